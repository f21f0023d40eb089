module example.com/splitgoroot

go 1.23
