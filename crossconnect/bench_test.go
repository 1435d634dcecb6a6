package crossconnect_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lattice/lattice/crossconnect"
)

// decodeTarget is the throughput the accept path needs from decoding and
// validation alone, so that they stay invisible beside a Temporal start:
// requests a second on one core for the seed's example.
const decodeTarget = 100_000

// benchSeedExample is the seed's example request as valid JSON.
const benchSeedExample = `{
  "qcl_generic_data": {"qcl_source_id": "ZOH", "qcl_destination_id": "EQX"},
  "qcl_transaction_data": {
    "generic_fields": {},
    "source_fields": {
      "qcl_ia_id": "4182712000000183000",
      "qcl_item_details": [
        {"qcl_cc_inventory_item_id": "4182712000000084077", "qcl_cc_inventory_item_name": "Cross Connect"}
      ]
    }
  },
  "destination_fields": {}
}`

// fullRequest is the largest request the contract allows: MaxItems items,
// each naming its destination line, and the open objects filled in.
func fullRequest() string {
	items := make([]string, crossconnect.MaxItems)
	for i := range items {
		items[i] = fmt.Sprintf(`{"qcl_cc_inventory_item_id": "41827120000000%05d", `+
			`"qcl_cc_inventory_item_name": "Cross Connect %d", `+
			`"destination_line_id": "1-D%05dS"}`, i, i, i)
	}
	return `{
  "qcl_generic_data": {"qcl_source_id": "ZOH", "qcl_destination_id": "EQX",
    "time_initiated": "2024-05-01T10:00:00Z", "lattice_username": "ops"},
  "qcl_transaction_data": {
    "generic_fields": {"ticket": "CHG-1234"},
    "source_fields": {
      "qcl_ia_id": "4182712000000183000",
      "qcl_item_details": [` + strings.Join(items, ",\n") + `]
    }
  },
  "destination_fields": {"order_id": "1-23232322"}
}`
}

// BenchmarkDecode measures decoding and validation alone, on one core,
// beside a baseline measured in the same run: encoding/json reading the
// same body into an untyped value, with no validation at all. It reports
// requests a second, the ratio to that baseline, and, for the seed's
// example, the ratio to the 100,000 requests a second target.
func BenchmarkDecode(b *testing.B) {
	cases := []struct {
		name   string
		body   []byte
		target float64
	}{
		{"example", []byte(benchSeedExample), decodeTarget},
		{"100_items", []byte(fullRequest()), 0},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { benchDecode(b, c.body, c.target) })
	}
}

func benchDecode(b *testing.B, body []byte, target float64) {
	if _, err := crossconnect.Decode(body); err != nil {
		b.Fatalf("decode: %v", err)
	}

	// The two alternate in short rounds, so that load from elsewhere on
	// the machine falls on both alike.
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	var base time.Duration
	round := max(b.N/20, 1)
	for done := 0; done < b.N; done += round {
		n := min(round, b.N-done)
		b.StartTimer()
		decodeTimes(b, body, n)
		b.StopTimer()
		base += untypedTimes(b, body, n)
	}

	// One goroutine runs each loop, so its rate is the rate of one core.
	rate := float64(b.N) / b.Elapsed().Seconds()
	baseRate := float64(b.N) / base.Seconds()
	b.ReportMetric(rate, "req/s/core")
	b.ReportMetric(baseRate, "base_req/s/core")
	b.ReportMetric(rate/baseRate, "ratio")
	if target > 0 {
		b.ReportMetric(rate/target, "target_ratio")
	}
}

func decodeTimes(b *testing.B, body []byte, n int) {
	for range n {
		if _, err := crossconnect.Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

// untypedTimes is the baseline: encoding/json reads body into an untyped
// value n times. It returns the time taken; the benchmark's timer is
// stopped, so neither its time nor its allocations count.
func untypedTimes(b *testing.B, body []byte, n int) time.Duration {
	start := time.Now()
	for range n {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}
