// Command vigil is the privacy-first cloud for IP cameras and NVRs.
package main

import (
	"os"

	"github.com/vigil-cloud/vigil/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
