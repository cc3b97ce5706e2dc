// Package genesys describes the parts of the Genesys Cloud Platform API that
// convdiag reads and judges: the conversation models in both views (the
// generic Conversation with per-media communications, and the flat
// CallConversation), TokenInfo, ErrorBody, the region table, and the endpoint
// contracts as data.
//
// Decoding is tolerant about what Genesys may add or rename over time (unknown
// fields are ignored, state strings are compared case-insensitively) and
// strict about input that is not a conversation at all.
//
// Facts come from ../shared/reference/genesys-api.md; where that reference
// marks a fact UNCONFIRMED the field or rule here says so.
package genesys
