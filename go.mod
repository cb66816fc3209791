module github.com/electsim/electsim

go 1.26

require (
	github.com/goccy/go-yaml v1.19.2
	pgregory.net/rapid v1.3.0
)

require github.com/google/go-cmp v0.7.0
