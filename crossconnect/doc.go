// Package crossconnect is Lattice's vocabulary: the cancel request and how it
// is decoded and validated, the transaction and its states, the transaction
// id, and the error kinds every other package reports in. It imports nothing
// of Lattice's own.
package crossconnect
