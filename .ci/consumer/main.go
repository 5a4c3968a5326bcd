// Command ghl-consumer uses the SDK's public API the way an application would.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

func main() {
	srv := ghltest.NewServer()
	defer srv.Close()
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(srv.LocationID()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx := context.Background()
	c, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", Email: "ada@example.com"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var extra ghl.Extra = c.Extra
	_ = extra
	var when ghl.Time
	if c.DateAdded != nil {
		when = *c.DateAdded
	}
	_, _, err = client.Contacts.Get(ctx, "missing")
	var apiErr *ghl.APIError
	fmt.Println(c.ID, when.Raw, errors.As(err, &apiErr), errors.Is(err, ghl.ErrNotFound))
}
