module example.com/dfix/wordcount

go 1.23
