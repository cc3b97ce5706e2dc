// Command endless is a hostile org for testdata/bench/endless-body.sh: it
// answers the token request with a token, and every other request with a
// 200 whose body never ends (`{"id":"AAAA...` streamed until the client
// hangs up). It prints its base URL on the first line of stdout.
package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "endless:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	chunk := bytes.Repeat([]byte("A"), 64<<10)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/token" {
			fmt.Fprint(w, `{"access_token":"endless-token","token_type":"bearer","expires_in":3600}`)
			return
		}
		if _, err := w.Write([]byte(`{"id":"`)); err != nil {
			return
		}
		for {
			if _, err := w.Write(chunk); err != nil {
				return // the client hung up
			}
		}
	})
	if err := http.Serve(ln, h); err != nil {
		fmt.Fprintln(os.Stderr, "endless:", err)
		os.Exit(1)
	}
}
