package devstack_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/crossconnect"
)

// Guards the missing failure note: the adjustment exists but does not
// hold the item asked for, so the failure is written under its text.
func TestMissingItemWritesTheFailureNote(t *testing.T) {
	const notHeld = "4182712999999999999"
	c := newCase(t, "ZOH")
	c.body = bytes.Replace(c.body, []byte(c.req.Items[0].ID), []byte(notHeld), 1)
	req, err := crossconnect.Decode(c.body)
	require.NoError(t, err)
	c.req, c.id = req, crossconnect.TransactionID(req)

	before := c.begin(t)
	tx := awaitState(t, c.id, crossconnect.StateFailed, scenarioTimeout)

	reason := "adjustment " + c.iaID + " does not hold item " + notHeld
	assert.Equal(t, reason, tx.Reason)
	assert.Equal(t, []int{crossconnect.ItemFailed}, itemStates(tx))
	note := c.note(t)
	assert.True(t, strings.HasSuffix(note, "\n"+c.line(crossconnect.StateFailed, reason)),
		"description %q", note)
	assert.Equal(t, before+"\n"+c.line(crossconnect.StateFailed, reason), note)
	assert.Equal(t, 1, c.calls("zoho", "update_adjustment"), "the failure note alone")
	assert.Zero(t, c.calls("equinix", "cancel"))
}
