package sim

import (
	"bytes"
	"net/http"
	"sync"
	"time"
)

// docWriteTimeout bounds how long one document may take to reach a
// reader: one that does not read is cut off, not waited for.
const docWriteTimeout = 30 * time.Second

// docCache keeps one copy of each document served (a conversation, its
// call view, its analytics): a reader that never reads holds that shared
// copy, not one of its own. Forty readers of a 50 MB conversation cost
// 50 MB, not 2 GB.
type docCache struct {
	mu   sync.Mutex
	docs map[string][]byte
}

// share returns the cached bytes when b is the same document, else keeps
// b as the document under key.
func (c *docCache) share(key string, b []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.docs[key]; ok && bytes.Equal(old, b) {
		return old
	}
	if c.docs == nil {
		c.docs = map[string][]byte{}
	}
	c.docs[key] = b
	return b
}

// serve writes a document from the cache, with a write deadline.
func (c *docCache) serve(w http.ResponseWriter, key string, b []byte) {
	b = c.share(key, b)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(docWriteTimeout))
	writeRaw(w, http.StatusOK, b)
}
