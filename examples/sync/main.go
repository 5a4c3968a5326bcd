// Command sync is the LinkedPhone <-> GHL sync. By default it runs against an in-process
// ghltest server, so it needs no account and no network.
package main

import (
	"context"
	"fmt"
	"os"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "sync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	srv := ghltest.NewServer()
	defer srv.Close()
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(srv.LocationID()))
	if err != nil {
		return err
	}
	c, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", LastName: "Caller", Email: "ada@example.com", Phone: "+15550100"})
	if err != nil {
		return err
	}
	fmt.Println("created", c.ID, c.Name)
	c, _, err = client.Contacts.Get(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Println("read   ", c.ID, c.Email)
	c, _, err = client.Contacts.Update(ctx, c.ID, &ghl.ContactUpdateRequest{City: "Lisbon"})
	if err != nil {
		return err
	}
	fmt.Println("updated", c.ID, c.City)
	up, _, err := client.Contacts.Upsert(ctx, &ghl.ContactUpsertRequest{Email: "ada@example.com", Tags: []string{"called"}})
	if err != nil {
		return err
	}
	fmt.Println("upsert ", up.Contact.ID, "new:", up.New, "tags:", up.Contact.Tags)
	if _, err := client.Contacts.Delete(ctx, c.ID); err != nil {
		return err
	}
	fmt.Println("deleted", c.ID)
	return nil
}
