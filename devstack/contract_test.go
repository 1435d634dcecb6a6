package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/lattice/lattice"
	"github.com/lattice/lattice/crossconnect"
	"github.com/lattice/lattice/internal/casefile"
	"github.com/lattice/lattice/workflows"
)

// The seed example's ids, which the case tables use and a contract test
// replaces with a fixture's: the seed's own records belong to the seed
// example's test, which counts their cancels.
const (
	seedIAID   = "4182712000000183000"
	seedItemID = "4182712000000084077"
)

// contractCase is one request of the case files (testdata/) and the
// answer it must get.
type contractCase struct{ casefile.Case }

func loadContractCases(t *testing.T) []contractCase {
	t.Helper()
	all, err := casefile.Load("../testdata")
	require.NoError(t, err)
	cases := make([]contractCase, len(all))
	for i, c := range all {
		cases[i] = contractCase{c}
	}
	return cases
}

// bodyFor is the case's body with the seed's ids replaced by f's. Fixture
// ids have as many digits as the seed's, so positions in the body stay.
func (c contractCase) bodyFor(t *testing.T, f contractFixture) []byte {
	t.Helper()
	b, err := c.Bytes()
	require.NoError(t, err)
	b = bytes.ReplaceAll(b, []byte(seedIAID), []byte(f.iaID))
	return bytes.ReplaceAll(b, []byte(seedItemID), []byte(f.itemID))
}

// contractFixture is a fresh adjustment in the sandbox with a cancellable
// Equinix order for it, and the cancel request that names them.
type contractFixture struct {
	body    []byte
	iaID    string
	itemID  string
	orderID string
	lineID  string
	id      string // the transaction id the request gets
}

func newContractFixture(t *testing.T, source string) contractFixture {
	t.Helper()
	body := fixture(t, source)
	req, err := crossconnect.Decode(body)
	require.NoError(t, err)
	order, ok := stack.Sandbox.EquinixOrderByReference(req.IAID)
	require.True(t, ok, "no order for adjustment %s", req.IAID)
	require.Len(t, order.Details, 1)

	return contractFixture{
		body:    body,
		iaID:    req.IAID,
		itemID:  req.Items[0].ID,
		orderID: order.OrderID,
		lineID:  order.Details[0].LineID,
		id:      crossconnect.TransactionID(req),
	}
}

// with returns the fixture's request with edit applied to it as a map.
func (f contractFixture) with(t *testing.T, edit func(body map[string]any)) []byte {
	t.Helper()
	var body map[string]any
	require.NoError(t, json.Unmarshal(f.body, &body))
	edit(body)
	b, err := json.Marshal(body)
	require.NoError(t, err)
	return b
}

// send sends a request as a client would, a redirect reported rather than
// followed; chunked hides the body's length, so it goes without
// Content-Length.
func send(t *testing.T, method, path string, header map[string]string, body []byte, chunked bool) response {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	if chunked {
		r = io.MultiReader(r)
	}
	req, err := http.NewRequest(method, stack.APIURL+path, r)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// TestContractCases sends every case of the tables to the running stack
// and checks three things: the answer is the one the table gives, with an
// error body a client can act on; the OpenAPI document accepts exactly the
// requests the server accepts, and describes the answer; and no rejected
// request starts a workflow, while every accepted one, being the same
// cancel, shares one transaction and one run.
func TestContractCases(t *testing.T) {
	f := newContractFixture(t, "ZOH")
	require.Len(t, f.iaID, len(seedIAID))
	require.Len(t, f.itemID, len(seedItemID))
	doc := loadContractDocument(t)

	ids := map[string]bool{}
	for _, c := range loadContractCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			if id := runContractCase(t, c, f, doc); id != "" {
				ids[id] = true
			}
		})
	}

	assert.Equal(t, map[string]bool{f.id: true}, ids, "every accepted case is the same cancel")
	awaitState(t, f.id, crossconnect.StateCompleted, 30*time.Second)
	assert.Equal(t, 1, stack.Sandbox.LineCancels(f.orderID, f.lineID))
	assertOnlyRunOfIA(t, f)
	assertAnswersDocumented(t, doc, f)
}

// runContractCase sends one case and returns the transaction id it got,
// if it was accepted.
func runContractCase(t *testing.T, c contractCase, f contractFixture, doc contractDocument) string {
	body := c.bodyFor(t, f)
	resp := send(t, c.Method, c.Path, c.Headers, body, false)
	require.Equal(t, c.ExpectStatus, resp.Status, "body: %.300s", resp.Body)
	assertAnswer(t, c, body, resp)
	doc.agrees(t, c, body, resp)

	if c.ExpectStatus == http.StatusRequestEntityTooLarge {
		chunked := send(t, c.Method, c.Path, c.Headers, body, true)
		assert.Equal(t, http.StatusRequestEntityTooLarge, chunked.Status, "sent chunked")
	}
	if resp.Status != http.StatusCreated {
		return ""
	}
	var out struct {
		ID string `json:"lattice_transaction_id"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &out))
	return out.ID
}

// assertOnlyRunOfIA checks that the fixture's adjustment has one workflow
// run, the accepted cancel's. Had a rejected case started a workflow, it
// would carry the same IA id, and be listed by the time the accepted one
// is listed completed.
func assertOnlyRunOfIA(t *testing.T, f contractFixture) {
	t.Helper()
	runs := awaitRuns(t, workflows.AttrIAID.GetName()+" = '"+f.iaID+"'", 1,
		func(e *workflowpb.WorkflowExecutionInfo) bool {
			return e.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
		})
	require.Len(t, summary(runs), 1)
	assert.Equal(t, f.id, runs[0].GetExecution().GetWorkflowId())
}

// assertAnswersDocumented checks that the answers about a transaction,
// and the operational ones, are the documented ones too.
func assertAnswersDocumented(t *testing.T, doc contractDocument, f contractFixture) {
	t.Helper()
	for _, path := range []string{
		"/v1/accounting/crossconnect/transactions/" + f.id,
		"/api/v1/accounting/crossconnect/transactions/" + f.id,
		"/v1/accounting/crossconnect/transactions/" + strings.Repeat("0", 32),
		"/v1/accounting/crossconnect/transactions?ia_id=" + f.iaID,
		"/v1/accounting/crossconnect/transactions?page_size=0",
		"/healthz",
		"/readyz",
		"/openapi.yaml",
	} {
		resp := doc.describesGet(t, path)
		assert.Less(t, resp.Status, 500, "%s: %s", path, resp.Body)
	}
}

// assertAnswer checks the error shape of the previous service: located,
// typed problems for 422, one sentence otherwise, and the details each
// status promises.
func assertAnswer(t *testing.T, c contractCase, body []byte, resp response) {
	t.Helper()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	switch resp.Status {
	case http.StatusCreated:
		var out struct {
			ID string `json:"lattice_transaction_id"`
		}
		require.NoError(t, json.Unmarshal(resp.Body, &out))
		assert.True(t, crossconnect.ValidTransactionID(out.ID), out.ID)
		assert.Equal(t, "/v1/accounting/crossconnect/transactions/"+out.ID, resp.Header.Get("Location"))
		return
	case http.StatusUnprocessableEntity:
		assertProblemAt(t, resp.Body, c.ExpectLoc, c.ExpectDetailType)
		return
	}

	var out struct {
		Detail string `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &out), "%s", resp.Body)
	assert.NotEmpty(t, out.Detail)
	switch resp.Status {
	case http.StatusBadRequest:
		if len(bytes.TrimSpace(body)) > 0 {
			assert.Regexp(t, `at line \d+, column \d+$`, out.Detail)
		}
	case http.StatusMethodNotAllowed:
		assert.Equal(t, "POST", resp.Header.Get("Allow"))
	case http.StatusNotFound:
		assert.Empty(t, resp.Header.Get("Location"))
	}
}

func assertProblemAt(t *testing.T, body []byte, loc []any, typ string) {
	t.Helper()
	var out struct {
		Detail []crossconnect.Problem `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(body, &out), "%s", body)
	want, _ := json.Marshal(loc)
	for _, p := range out.Detail {
		got, _ := json.Marshal(p.Loc)
		if string(got) == string(want) && (typ == "" || p.Type == typ) {
			assert.NotEmpty(t, p.Msg)
			return
		}
	}
	t.Errorf("no problem at %s of type %q in %s", want, typ, body)
}

// contractDocument is the OpenAPI document, loaded and routed.
type contractDocument struct {
	doc    *openapi3.T
	router routers.Router
}

var registerStrictJSON sync.Once

// loadContractDocument loads openapi.yaml for validating requests and
// answers.
//
// JSON Schema judges a decoded value, so it cannot see what the server
// refuses before decoding: duplicate names, invalid UTF-8, data after the
// value, nesting past the depth limit. The validator is therefore given a
// strict JSON decoder for application/json, the one the server's decoder
// is built on: a body the server answers 400 fails to parse as JSON for
// the document too, and counts as refused by it.
func loadContractDocument(t *testing.T) contractDocument {
	t.Helper()
	registerStrictJSON.Do(func() {
		openapi3filter.RegisterBodyDecoder("application/json", strictJSON)
	})
	doc, err := openapi3.NewLoader().LoadFromData(lattice.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return contractDocument{doc: doc, router: router}
}

func strictJSON(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	var v any
	if err := jsonv2.Unmarshal(raw, &v); err != nil {
		return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}
	}
	return v, nil
}

// validationOptions validate as the stack runs: open, without tokens,
// which the document allows a process started without any.
var validationOptions = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true,
	MultiError:            true,
}

// agrees checks that the document accepts the request exactly when the
// server did, and that it describes the server's answer.
func (d contractDocument) agrees(t *testing.T, c contractCase, body []byte, resp response) {
	t.Helper()
	req := httptest.NewRequest(c.Method, "http://lattice"+c.Path, bytes.NewReader(body))
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, Options: validationOptions}

	var err error
	in.Route, in.PathParams, err = d.router.FindRoute(req)
	if err == nil {
		err = openapi3filter.ValidateRequest(context.Background(), in)
	}
	serverAccepts := resp.Status < 300
	assert.Equal(t, serverAccepts, err == nil,
		"the server answered %d, the document says: %v", resp.Status, err)
	if in.Route != nil {
		d.describes(t, in, resp)
	}
}

// describes checks that the document describes the answer to a request
// it routes: a documented status, headers and body of the documented
// shape.
func (d contractDocument) describes(t *testing.T, in *openapi3filter.RequestValidationInput, resp response) {
	t.Helper()
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.Status,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(resp.Body)),
		Options:                validationOptions,
	})
	assert.NoError(t, err, "the document does not describe the answer %d %.300s", resp.Status, resp.Body)
}

// describesGet sends a GET and checks the document describes its answer.
func (d contractDocument) describesGet(t *testing.T, path string) response {
	t.Helper()
	resp := do(t, http.MethodGet, path, "", nil)
	req := httptest.NewRequest(http.MethodGet, "http://lattice"+path, nil)
	route, params, err := d.router.FindRoute(req)
	require.NoError(t, err, path)
	d.describes(t, &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route, Options: validationOptions,
	}, resp)
	return resp
}

// awaitRuns lists the workflow runs that query matches until want of
// them are listed and done says each is as wanted, and returns them.
// Visibility lags the workflows a little.
func awaitRuns(t *testing.T, query string, want int, done func(*workflowpb.WorkflowExecutionInfo) bool) []*workflowpb.WorkflowExecutionInfo {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		runs := listRuns(t, query)
		ready := len(runs) >= want
		for _, r := range runs {
			ready = ready && done(r)
		}
		if ready || time.Now().After(deadline) {
			return runs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func listRuns(t *testing.T, query string) []*workflowpb.WorkflowExecutionInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := stack.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: stack.Temporal.Namespace(),
		Query:     query,
		PageSize:  1000,
	})
	require.NoError(t, err)
	return resp.GetExecutions()
}

func currentRun(t *testing.T, id string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	desc, err := stack.Client.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err)
	return desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}

// summary names each run by workflow id, run id and status, short
// enough to read in a failure.
func summary(runs []*workflowpb.WorkflowExecutionInfo) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		e := r.GetExecution()
		out[i] = e.GetWorkflowId() + "/" + e.GetRunId() + " " + r.GetStatus().String()
	}
	return out
}

func isClosed(e *workflowpb.WorkflowExecutionInfo) bool {
	return e.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
}

// TestCopiedSeedExampleIsToldWhatToFix: a new user pastes the seed's
// example as it is printed, is told which comma to remove, removes it,
// and the cancel is taken.
func TestCopiedSeedExampleIsToldWhatToFix(t *testing.T) {
	f := newContractFixture(t, "ZOH")
	require.Len(t, f.iaID, len(seedIAID), "positions in the body must stay")
	require.Len(t, f.itemID, len(seedItemID), "positions in the body must stay")
	var verbatim contractCase
	for _, c := range loadContractCases(t) {
		if c.Name == "seed-example-verbatim" {
			verbatim = c
		}
	}
	body := verbatim.bodyFor(t, f)

	resp := do(t, http.MethodPost, cancelPath, "application/json", body)
	require.Equal(t, http.StatusBadRequest, resp.Status)
	assert.JSONEq(t, `{"detail":"malformed JSON: trailing comma before a closing bracket; `+
		`remove the comma at line 15, column 10"}`, string(resp.Body))

	line, col := positionIn(t, resp.Body)
	fixed := removeAt(t, body, line, col, ',')
	id, _ := postCancel(t, fixed)
	assert.Equal(t, f.id, id)
	awaitState(t, id, crossconnect.StateCompleted, 30*time.Second)
}

var positionPattern = regexp.MustCompile(`at line (\d+), column (\d+)"`)

func positionIn(t *testing.T, detail []byte) (line, col int) {
	t.Helper()
	m := positionPattern.FindSubmatch(detail)
	require.NotNil(t, m, "%s", detail)
	line, _ = strconv.Atoi(string(m[1]))
	col, _ = strconv.Atoi(string(m[2]))
	return line, col
}

// removeAt removes the character at a 1-based line and column, which
// must be want.
func removeAt(t *testing.T, body []byte, line, col int, want byte) []byte {
	t.Helper()
	lines := bytes.Split(body, []byte("\n"))
	require.Less(t, line-1, len(lines))
	l := lines[line-1]
	require.Less(t, col-1, len(l))
	require.Equal(t, string(want), string(l[col-1]), "line %q", l)
	lines[line-1] = append(l[:col-1:col-1], l[col:]...)
	return bytes.Join(lines, []byte("\n"))
}

// TestSameCancelTwiceRunsOnce: sent again while it runs, and again after
// it completed, the cancel gets the same id and nothing runs again.
func TestSameCancelTwiceRunsOnce(t *testing.T) {
	f := newContractFixture(t, "ONS")

	id, _ := postCancel(t, f.body)
	again, _ := postCancel(t, f.body)
	require.Equal(t, f.id, id)
	require.Equal(t, id, again)
	run := currentRun(t, id)

	tx := awaitState(t, id, crossconnect.StateCompleted, 30*time.Second)
	assert.Equal(t, run, tx.RunID)
	note, _ := stack.Sandbox.NetSuiteAdjustment(f.iaID)

	third, _ := postCancel(t, f.body)
	assert.Equal(t, id, third)
	// Long enough for a wrongly started run to reach the vendors.
	time.Sleep(time.Second)

	assert.Equal(t, run, currentRun(t, id), "a completed transaction ran again")
	assert.Equal(t, 1, stack.Sandbox.LineCancels(f.orderID, f.lineID))
	after, _ := stack.Sandbox.NetSuiteAdjustment(f.iaID)
	assert.Equal(t, note, after, "the adjustment was written again")
	runs := awaitRuns(t, "WorkflowId = '"+id+"'", 1, isClosed)
	assert.Len(t, summary(runs), 1)
}

// TestFailedCancelRunsAgainUnderSameID: a cancel that failed (here on an
// order id that does not exist, named beside source_fields) runs again
// under its id when sent again, and this time completes.
func TestFailedCancelRunsAgainUnderSameID(t *testing.T) {
	f := newContractFixture(t, "ZOH")
	const missing = "1-99999999"
	bad := f.with(t, func(b map[string]any) {
		td := b["qcl_transaction_data"].(map[string]any)
		td["destination_fields"] = map[string]any{"order_id": missing}
	})

	id, _ := postCancel(t, bad)
	require.Equal(t, f.id, id)
	tx, resp := getTransaction(t, id)
	require.Equal(t, http.StatusOK, resp.Status)
	assert.Equal(t, missing, tx.OrderID)

	failed := awaitState(t, id, crossconnect.StateFailed, 30*time.Second)
	assert.Contains(t, failed.Reason, missing)

	again, _ := postCancel(t, f.body)
	require.Equal(t, id, again)
	done := awaitState(t, id, crossconnect.StateCompleted, 30*time.Second)
	assert.NotEqual(t, failed.RunID, done.RunID)
	assert.Equal(t, f.orderID, done.OrderID)
	assert.Equal(t, 1, stack.Sandbox.LineCancels(f.orderID, f.lineID))

	runs := awaitRuns(t, "WorkflowId = '"+id+"'", 2, isClosed)
	assert.Len(t, summary(runs), 2)
}

// TestDestinationFieldsAtEitherPlace names the order and line at the top
// level, where the seed's example puts destination_fields, and beside
// source_fields: both are what the workflow cancels.
func TestDestinationFieldsAtEitherPlace(t *testing.T) {
	for _, top := range []bool{true, false} {
		t.Run(fmt.Sprintf("top_level=%v", top), func(t *testing.T) {
			f := newContractFixture(t, "ZOH")
			body := f.with(t, func(b map[string]any) {
				td := b["qcl_transaction_data"].(map[string]any)
				sf := td["source_fields"].(map[string]any)
				sf["qcl_item_details"].([]any)[0].(map[string]any)["destination_line_id"] = f.lineID

				dest := map[string]any{"order_id": f.orderID}
				delete(b, "destination_fields")
				if top {
					b["destination_fields"] = dest
				} else {
					td["destination_fields"] = dest
				}
			})

			id, _ := postCancel(t, body)
			tx, _ := getTransaction(t, id)
			assert.Equal(t, f.orderID, tx.OrderID, "the order is taken from the request")

			tx = awaitState(t, id, crossconnect.StateCompleted, 30*time.Second)
			require.Len(t, tx.Items, 1)
			assert.Equal(t, f.lineID, tx.Items[0].LineID)
			assert.Equal(t, 1, stack.Sandbox.LineCancels(f.orderID, f.lineID))
		})
	}
}

// TestCommonFieldsKeptOnTheTransaction sends what a client of the previous
// service sends, its prefix and item names, with the common fields of
// qcl_generic_data; the transaction shows them as sent.
func TestCommonFieldsKeptOnTheTransaction(t *testing.T) {
	f := newContractFixture(t, "ZOH")
	common := `{"time_initiated": "2026-12-01T10:00:00Z", "lattice_username": "ana",
		"lattice_organisation_id": "org-7", "lattice_user_id": 42, "context": {"ticket": "CHG-1"}}`
	body := f.with(t, func(b map[string]any) {
		gd := b["qcl_generic_data"].(map[string]any)
		var extra map[string]any
		require.NoError(t, json.Unmarshal([]byte(common), &extra))
		for k, v := range extra {
			gd[k] = v
		}
		sf := b["qcl_transaction_data"].(map[string]any)["source_fields"].(map[string]any)
		item := sf["qcl_item_details"].([]any)[0].(map[string]any)
		item["qcl_inventory_item_id"] = item["qcl_cc_inventory_item_id"]
		item["qcl_inventory_item_name"] = item["qcl_cc_inventory_item_name"]
		delete(item, "qcl_cc_inventory_item_id")
		delete(item, "qcl_cc_inventory_item_name")
	})

	resp := do(t, http.MethodPost, "/api"+cancelPath, "application/json", body)
	require.Equal(t, http.StatusCreated, resp.Status, "%s", resp.Body)
	assert.JSONEq(t, `{"lattice_transaction_id":"`+f.id+`"}`, string(resp.Body))

	tx := awaitState(t, f.id, crossconnect.StateCompleted, 30*time.Second)
	generic, err := json.Marshal(tx.GenericData)
	require.NoError(t, err)
	assert.JSONEq(t, common, string(generic))
	assert.Equal(t, f.itemID, tx.Items[0].ID)
}

// TestFiftyIdenticalCancelsAtOnce races 50 clients sending the same cancel
// at the same moment: 50 answers, one id, one workflow run, one cancel at
// Equinix.
func TestFiftyIdenticalCancelsAtOnce(t *testing.T) {
	const clients = 50
	f := newContractFixture(t, "ZOH")
	httpClient := &http.Client{
		Transport: &http.Transport{MaxConnsPerHost: clients, MaxIdleConnsPerHost: clients},
		Timeout:   20 * time.Second,
	}
	t.Cleanup(httpClient.CloseIdleConnections)

	results := make([]raceResult, clients)
	startLine := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			<-startLine
			results[i] = raceCancel(httpClient, f.body)
		})
	}
	close(startLine)
	wg.Wait()

	for i, r := range results {
		require.NoError(t, r.err, "client %d", i)
		assert.Equal(t, http.StatusCreated, r.status, "client %d", i)
		assert.Equal(t, f.id, r.id, "client %d", i)
	}

	run := currentRun(t, f.id)
	tx := awaitState(t, f.id, crossconnect.StateCompleted, 30*time.Second)
	assert.Equal(t, run, tx.RunID)
	assert.Equal(t, 1, stack.Sandbox.LineCancels(f.orderID, f.lineID))
	runs := awaitRuns(t, "WorkflowId = '"+f.id+"'", 1, isClosed)
	assert.Len(t, summary(runs), 1, "one workflow run for fifty identical requests")
}

// raceResult is one racing client's answer.
type raceResult struct {
	status int
	id     string
	err    error
}

// raceCancel posts one cancel and reads its id; it reports failure as a
// value, being run off the test's goroutine.
func raceCancel(c *http.Client, body []byte) (r raceResult) {
	resp, err := c.Post(stack.APIURL+cancelPath, "application/json", bytes.NewReader(body))
	if err != nil {
		r.err = err
		return r
	}
	defer resp.Body.Close()
	r.status = resp.StatusCode
	var out struct {
		ID string `json:"lattice_transaction_id"`
	}
	r.err = json.NewDecoder(resp.Body).Decode(&out)
	r.id = out.ID
	return r
}
