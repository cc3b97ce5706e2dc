// Command conference writes the conference the benchmarks measure
// convdiag on (diagnose/benchdata) and prints the arguments of the
// `convdiag check` that diagnoses its target offline, one a line:
//
//	go run ./testdata/bench/conference -n 5000 -o conference.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/convdiag/convdiag/diagnose/benchdata"
)

func main() {
	n := flag.Int("n", 5000, "participants")
	out := flag.String("o", "conference.json", "file to write")
	flag.Parse()
	if *n < 1 {
		fmt.Fprintln(os.Stderr, "conference: -n must be at least 1")
		os.Exit(2)
	}
	target, err := benchdata.WriteConference(*out, *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conference:", err)
		os.Exit(1)
	}
	for _, a := range benchdata.CheckArgs(*out, target) {
		fmt.Println(a)
	}
}
