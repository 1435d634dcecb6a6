package config

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/lattice/lattice/worker"
)

// The commands of cmd/lattice, each one process.
const (
	ProcessAPI     = "api"
	ProcessWorker  = "worker"
	ProcessCodec   = "codec"
	ProcessSandbox = "sandbox"
)

// Variable is one environment variable one process reads. The table of
// them is the one place defaults live: the loaders read through it, the
// README's table and the compose file are checked against it.
type Variable struct {
	Name    string
	Process string
	// Default applies when the variable is unset or empty; "" is none.
	Default string
	// Required variables stop the process at start when unset, unless
	// the variable named by Or is set instead.
	Required bool
	Or       string
	// Secret values are never printed, in errors or elsewhere.
	Secret bool
}

var (
	apiAndWorker = []string{ProcessAPI, ProcessWorker}
	everyProcess = []string{ProcessAPI, ProcessWorker, ProcessCodec, ProcessSandbox}
	encrypting   = []string{ProcessAPI, ProcessWorker, ProcessCodec}
)

// in gives v one row per process.
func in(processes []string, v Variable) []Variable {
	rows := make([]Variable, len(processes))
	for i, p := range processes {
		rows[i] = v
		rows[i].Process = p
	}
	return rows
}

func one(process string, v Variable) []Variable {
	return in([]string{process}, v)
}

var variables = slices.Concat(
	// Where each process listens and how it logs.
	one(ProcessAPI, Variable{Name: "LATTICE_LISTEN", Default: ":8080"}),
	one(ProcessWorker, Variable{Name: "LATTICE_LISTEN", Default: ":8081"}),
	one(ProcessCodec, Variable{Name: "LATTICE_LISTEN", Default: ":8089"}),
	one(ProcessSandbox, Variable{Name: "LATTICE_LISTEN", Default: ":8090"}),
	in(everyProcess, Variable{Name: "LATTICE_LOG_FORMAT", Default: "json"}),
	in(everyProcess, Variable{Name: "LATTICE_LOG_LEVEL", Default: "info"}),

	// The Temporal cluster. The names are those of Temporal's own
	// environment configuration, so the temporal CLI reads them too.
	in(apiAndWorker, Variable{Name: "TEMPORAL_ADDRESS", Default: "127.0.0.1:7233"}),
	in(apiAndWorker, Variable{Name: "TEMPORAL_NAMESPACE", Default: "default"}),
	in(apiAndWorker, Variable{Name: "TEMPORAL_TLS", Default: "false"}),
	in(apiAndWorker, Variable{Name: "TEMPORAL_TLS_SERVER_CA_CERT_PATH"}),
	in(apiAndWorker, Variable{Name: "TEMPORAL_TLS_SERVER_NAME"}),
	in(apiAndWorker, Variable{Name: "TEMPORAL_TLS_CLIENT_CERT_PATH"}),
	in(apiAndWorker, Variable{Name: "TEMPORAL_TLS_CLIENT_KEY_PATH"}),
	in(apiAndWorker, Variable{Name: "TEMPORAL_API_KEY", Secret: true}),

	// Payload encryption.
	in(apiAndWorker, Variable{Name: "LATTICE_PAYLOAD_KEYS", Secret: true}),
	one(ProcessCodec, Variable{Name: "LATTICE_PAYLOAD_KEYS", Required: true, Secret: true}),
	one(ProcessCodec, Variable{Name: "LATTICE_CODEC_ORIGINS", Required: true}),

	// The HTTP API.
	one(ProcessAPI, Variable{Name: "LATTICE_API_TOKENS", Required: true,
		Or: "LATTICE_API_OPEN", Secret: true}),
	one(ProcessAPI, Variable{Name: "LATTICE_API_OPEN", Default: "false"}),
	one(ProcessAPI, Variable{Name: "LATTICE_TEMPORAL_UI_URL"}),
	one(ProcessAPI, Variable{Name: "LATTICE_START_TIMEOUT", Default: "10s"}),

	// The saga's waits and budgets, given to each new transaction.
	one(ProcessAPI, Variable{Name: "LATTICE_POLL_INITIAL", Default: "1s"}),
	one(ProcessAPI, Variable{Name: "LATTICE_POLL_MAX", Default: "1h"}),
	one(ProcessAPI, Variable{Name: "LATTICE_CONFIRM_TIMEOUT", Default: "336h"}),
	one(ProcessAPI, Variable{Name: "LATTICE_STEP_BUDGET", Default: "10m"}),
	one(ProcessAPI, Variable{Name: "LATTICE_COMPENSATION_BUDGET", Default: "24h"}),

	// The vendors, read by the worker alone.
	one(ProcessWorker, Variable{Name: "EQUINIX_BASE_URL", Default: "https://api.equinix.com"}),
	one(ProcessWorker, Variable{Name: "EQUINIX_CLIENT_ID", Required: true}),
	one(ProcessWorker, Variable{Name: "EQUINIX_CLIENT_SECRET", Required: true, Secret: true}),
	one(ProcessWorker, Variable{Name: "ZOHO_BASE_URL", Default: "https://www.zohoapis.com/inventory/v1"}),
	one(ProcessWorker, Variable{Name: "ZOHO_ACCOUNTS_URL", Default: "https://accounts.zoho.com"}),
	one(ProcessWorker, Variable{Name: "ZOHO_ORGANIZATION_ID", Required: true}),
	one(ProcessWorker, Variable{Name: "ZOHO_CLIENT_ID", Required: true}),
	one(ProcessWorker, Variable{Name: "ZOHO_CLIENT_SECRET", Required: true, Secret: true}),
	one(ProcessWorker, Variable{Name: "ZOHO_REFRESH_TOKEN", Required: true, Secret: true}),
	one(ProcessWorker, Variable{Name: "NETSUITE_ACCOUNT_URL"}),
	one(ProcessWorker, Variable{Name: "NETSUITE_ACCOUNT_ID", Required: true}),
	one(ProcessWorker, Variable{Name: "NETSUITE_CLIENT_ID", Required: true}),
	one(ProcessWorker, Variable{Name: "NETSUITE_CERTIFICATE_ID", Required: true}),
	one(ProcessWorker, Variable{Name: "NETSUITE_PRIVATE_KEY", Required: true,
		Or: "NETSUITE_PRIVATE_KEY_FILE", Secret: true}),
	one(ProcessWorker, Variable{Name: "NETSUITE_PRIVATE_KEY_FILE"}),

	// Worker tuning, chosen by the benchmarks; 0 also takes the default.
	one(ProcessWorker, Variable{Name: "LATTICE_WORKER_MAX_ACTIVITIES",
		Default: strconv.Itoa(worker.DefaultMaxConcurrentActivities)}),
	one(ProcessWorker, Variable{Name: "LATTICE_WORKER_MAX_WORKFLOW_TASKS",
		Default: strconv.Itoa(worker.DefaultMaxConcurrentWorkflowTasks)}),
	one(ProcessWorker, Variable{Name: "LATTICE_WORKER_ACTIVITY_POLLERS",
		Default: strconv.Itoa(worker.DefaultActivityPollers)}),
	one(ProcessWorker, Variable{Name: "LATTICE_WORKER_WORKFLOW_POLLERS",
		Default: strconv.Itoa(worker.DefaultWorkflowPollers)}),

	// The standalone vendor sandbox.
	one(ProcessSandbox, Variable{Name: "LATTICE_CONFIRM_DELAY", Default: "2s"}),
	one(ProcessSandbox, Variable{Name: "LATTICE_SANDBOX_NETSUITE_KEY_FILE"}),
)

// Variables lists every environment variable of every process, one row
// per variable and process.
func Variables() []Variable {
	return slices.Clone(variables)
}

// VariablesOf lists the variables process reads.
func VariablesOf(process string) []Variable {
	var out []Variable
	for _, v := range variables {
		if v.Process == process {
			out = append(out, v)
		}
	}
	return out
}

// variable finds name's row for process. A loader that reads a variable
// the table lacks is a programming error, caught by the first test that
// loads.
func variable(process, name string) Variable {
	for _, v := range variables {
		if v.Process == process && v.Name == name {
			return v
		}
	}
	panic(fmt.Sprintf("config: %s reads %s, which is not in the table of variables", process, name))
}
