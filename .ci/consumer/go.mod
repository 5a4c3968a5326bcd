// An outside module that uses the SDK exactly as a user would: it may import only public
// packages, so it proves no internal type leaks into the public API.
module example.com/ghl-consumer

go 1.23.0

require github.com/linkedphone/ghl-go v0.1.0

require (
	github.com/google/go-querystring v1.2.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	golang.org/x/oauth2 v0.30.0 // indirect
	golang.org/x/time v0.12.0 // indirect
)

replace github.com/linkedphone/ghl-go => ../..
