module example.com/cmbench

go 1.23
