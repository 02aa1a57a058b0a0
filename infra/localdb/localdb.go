// Package localdb gives the local stack and the tests a DynamoDB: the
// embedded engine in-process, or a DynamoDB endpoint (DynamoDB Local or AWS),
// with the tip line's table created when missing.
package localdb

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	minidyn "github.com/truora/minidyn/aws-v2/client"

	"tipline/infra/table"
)

// Embedded returns the in-process engine with table name created.
func Embedded(ctx context.Context, name string) (*minidyn.Client, error) {
	def, err := table.Load()
	if err != nil {
		return nil, err
	}
	c := minidyn.NewClient()
	if _, err := c.CreateTable(ctx, def.CreateInput(name)); err != nil {
		return nil, fmt.Errorf("localdb: create table %s: %w", name, err)
	}
	return c, nil
}

// Client returns an SDK client for endpoint. For a local endpoint without
// AWS credentials in the environment it uses static local ones (letters and
// digits only, as DynamoDB Local requires) and never asks the instance
// metadata service, so nothing leaves the host.
func Client(ctx context.Context, endpoint string) (*dynamodb.Client, aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if endpoint != "" {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
			opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
		if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
			opts = append(opts, config.WithRegion("us-east-1"))
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, cfg, fmt.Errorf("localdb: aws config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	c := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			// DynamoDB Local's error responses carry a CRC32 that does not
			// match; the SDK would warn on every conditional failure.
			o.DisableValidateResponseChecksum = true
		}
	})
	return c, cfg, nil
}

// Ensure creates table name on the client when it does not exist, with its
// time-to-live attribute, and waits until it is active.
func Ensure(ctx context.Context, c *dynamodb.Client, name string) error {
	_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var nf *types.ResourceNotFoundException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &nf):
		return fmt.Errorf("localdb: describe table %s (is DynamoDB running at that endpoint?): %w", name, err)
	}
	def, err := table.Load()
	if err != nil {
		return err
	}
	if _, err := c.CreateTable(ctx, def.CreateInput(name)); err != nil {
		return fmt.Errorf("localdb: create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(c)
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 60e9); err != nil {
		return fmt.Errorf("localdb: wait for table %s: %w", name, err)
	}
	if def.TimeToLiveAttribute != "" {
		_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(def.TimeToLiveAttribute), Enabled: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("localdb: time to live on %s: %w", name, err)
		}
	}
	return nil
}
