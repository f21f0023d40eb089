module example.com/app

go 1.22

require (
	example.com/x v1.0.0
	example.com/lib v0.0.0
)

replace example.com/lib => ./lib
