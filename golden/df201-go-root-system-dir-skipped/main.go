package main

import (
	"fmt"
	"log"
	"net/http"
)

// Built with no WORKDIR: the source and the binary sit in golang's default directory.
func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "split-go-root answers")
	})
	log.Println("listening on :8080")
	log.Fatal(http.ListenAndServe(":8080", nil))
}
