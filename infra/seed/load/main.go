// Command load writes the seed authority directory and routing rules
// (infra/seed) into a tip line table:
//
//	go run ./infra/seed/load -dynamodb-endpoint http://127.0.0.1:8000 -table tipline
//
// Without -dynamodb-endpoint it uses the AWS account and region of the
// environment (AWS_PROFILE, AWS_REGION), e.g. for the deployed table.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"tipline/infra/localdb"
	"tipline/infra/seed"
	"tipline/shared/store"
)

func main() {
	endpoint := flag.String("dynamodb-endpoint", os.Getenv("DYNAMODB_ENDPOINT"), "DynamoDB endpoint; empty for AWS")
	table := flag.String("table", os.Getenv("TABLE_NAME"), "table name (the stack's TableName output)")
	flag.Parse()
	if *table == "" {
		fmt.Fprintln(os.Stderr, "load: -table (or TABLE_NAME) is required")
		os.Exit(2)
	}
	ctx := context.Background()
	db, _, err := localdb.Client(ctx, *endpoint)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	a, r, err := seed.Load(ctx, store.New(db, *table, nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	fmt.Printf("loaded %d authorities and %d routing rules into %s\n", a, r, *table)
}
