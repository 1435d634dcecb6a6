package rest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/vendors"
	"github.com/lattice/lattice/vendors/internal/rest"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"  12 ", 12 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"99999999999999999999", 0},
		{"9223372036854775807", time.Duration(9223372036) * time.Second},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, rest.RetryAfter(tt.in, now), "%q", tt.in)
	}
}

func TestDecodeFlexibleFields(t *testing.T) {
	type rec struct {
		ID       rest.ID      `json:"id"`
		Lifetime rest.Seconds `json:"lifetime"`
		Name     string       `json:"name"`
	}
	tests := []struct {
		body string
		want rec
	}{
		{`{"id":4182712000000183000,"lifetime":3600,"name":"a"}`,
			rec{"4182712000000183000", 3600, "a"}},
		{`{"id":"1-D89731S","lifetime":"3599","name":"b"}`, rec{"1-D89731S", 3599, "b"}},
		{`{"id":null,"lifetime":"soon","name":7,"extra":[1]}`, rec{"", 0, ""}},
		{`{"id":true,"lifetime":3600.0,"name":"c"}`, rec{"", 3600, "c"}},
	}
	for _, tt := range tests {
		var got rec
		require.NoError(t, rest.Decode([]byte(tt.body), &got), tt.body)
		assert.Equal(t, tt.want, got, tt.body)
	}

	var r rec
	assert.Error(t, rest.Decode([]byte(`{"id":`), &r))
	assert.Error(t, rest.Decode([]byte(`[1,2]`), &r))
	assert.IsType(t, &json.SyntaxError{}, rest.Decode([]byte(`<html>`), &r))
}

func TestNewTokenExpiresEarly(t *testing.T) {
	now := time.Now()
	tests := []struct {
		lifetime, want time.Duration
	}{
		{time.Hour, time.Hour - time.Minute},
		{100 * time.Second, 80 * time.Second},
		{0, 4 * time.Minute},
	}
	for _, tt := range tests {
		tok := rest.NewToken("t", tt.lifetime, now)
		assert.Equal(t, now.Add(tt.want), tok.Expiry, tt.lifetime.String())
	}
}

func TestKindOf(t *testing.T) {
	tests := map[int]vendors.Kind{
		400: vendors.Rejected, 401: vendors.Credentials, 403: vendors.Rejected,
		404: vendors.NotFound, 409: vendors.Rejected, 422: vendors.Rejected,
		429: vendors.Transient, 500: vendors.Transient, 503: vendors.Transient,
	}
	for status, want := range tests {
		assert.Equal(t, want, rest.KindOf(status), status)
	}
}
