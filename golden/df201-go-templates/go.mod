module example.com/splitgo

go 1.23
