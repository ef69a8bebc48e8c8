package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtable results.txt...")
		os.Exit(2)
	}
	rs := newResults()
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		err = rs.read(f, name)
		f.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if rs.samples < 2 {
		fmt.Println("> One sample per benchmark (quick mode): no medians, expect noise.")
		fmt.Println()
	}
	writeTables(os.Stdout, rs)
	writeTargets(os.Stdout, checkTargets(rs))
}
