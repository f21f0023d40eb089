package main

import (
	"html/template"
	"log"
	"net/http"
	"os"
)

// The templates are read from disk at start-up: the runtime image must carry them.
func main() {
	page := template.Must(template.ParseFiles("templates/index.html"))
	http.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir("static"))))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		host, _ := os.Hostname()
		if err := page.Execute(w, map[string]string{"Host": host}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	log.Println("listening on :8080")
	log.Fatal(http.ListenAndServe(":8080", nil))
}
