// Command kgitops keeps an Apache Kafka cluster in the state declared in a
// git repository. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kgitops/kgitops/cmd/kgitops/cli"
	"github.com/kgitops/kgitops/internal/membudget"
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer membudget.Start(membudget.Default, os.Getenv)()
	return cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
}
