// A stdlib-only HTTP service: enough of the standard library (net/http, TLS, JSON, templates,
// SQL, compression) that compiling its dependencies dominates a cold `go build`.
package main

import (
	"compress/gzip"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"html/template"
	"log"
	"net/http"
	"os"
	"regexp"
	"text/tabwriter"
	"time"
)

var page = template.Must(template.New("p").Parse("<h1>{{.}}</h1>"))
var word = regexp.MustCompile(`^[a-z]+$`)

func main() {
	_ = sql.Drivers()
	_ = tabwriter.NewWriter(os.Stdout, 0, 8, 1, ' ', 0)
	srv := &http.Server{Addr: ":8080", ReadTimeout: 5 * time.Second, TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if !word.MatchString(name) {
			name = "world"
		}
		if r.Header.Get("Accept") == "application/json" {
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			defer gz.Close()
			_ = json.NewEncoder(gz).Encode(map[string]string{"hello": name})
			return
		}
		_ = page.Execute(w, name)
	})
	log.Fatal(srv.ListenAndServe())
}
