package deploy

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/config"
	"github.com/lattice/lattice/sandbox"
	"github.com/lattice/lattice/workflows"
)

// testToken stands for the token a user puts in .env.
const testToken = "compose-test-token-0123456789abcdef"

// exampleEnv is .env.example as Compose reads it, plus what it asks the
// user to fill in.
func exampleEnv(t *testing.T) map[string]string {
	t.Helper()
	env, err := dotenv.Read("../.env.example")
	require.NoError(t, err)
	env["LATTICE_API_TOKENS"] = testToken
	return env
}

func load(env map[string]string) (*types.Project, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return nil, err
	}
	details := types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml")}},
		Environment: env,
	}
	return loader.LoadWithContext(context.Background(), details,
		loader.WithProfiles([]string{"encryption"}))
}

func loadExample(t *testing.T) *types.Project {
	t.Helper()
	p, err := load(exampleEnv(t))
	require.NoError(t, err)
	return p
}

// The services of the stack, grouped by what the checks expect of them.
var (
	latticeServices = map[string]string{ // service: its lattice command
		"api": config.ProcessAPI, "worker": config.ProcessWorker,
		"codec": config.ProcessCodec, "sandbox": config.ProcessSandbox,
	}
	oneShots      = []string{"temporal-schema", "temporal-setup"}
	otherServices = []string{"postgresql", "temporal", "temporal-ui", "jaeger", "otel-collector"}
	// noHealthCheck are long-running services whose image has nothing to
	// run a check with; their dependents wait for them to start.
	noHealthCheck = []string{"otel-collector"}
)

func TestComposeServices(t *testing.T) {
	p := loadExample(t)

	want := slices.Concat(slices.Collect(maps.Keys(latticeServices)), oneShots, otherServices)
	require.ElementsMatch(t, want, slices.Collect(maps.Keys(p.Services)))

	for name, s := range p.Services {
		if _, ok := latticeServices[name]; ok {
			require.NotNil(t, s.Build, "%s is built from the Dockerfile", name)
			require.Equal(t, "Dockerfile", filepath.Base(s.Build.Dockerfile), name)
			require.Equal(t, repoRoot(t), s.Build.Context, name)
			require.Equal(t, "lattice:local", s.Image, "one image for every lattice command")
			require.Equal(t, []string{latticeServices[name]}, []string(s.Command), name)
			continue
		}
		require.Nil(t, s.Build, name)
		require.NotEmpty(t, s.Image, name)
		require.Regexp(t, `^[a-z0-9./-]+:[0-9][0-9.]*$`, s.Image, "%s is pinned to a version", name)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	return root
}

func TestComposeHealthChecks(t *testing.T) {
	p := loadExample(t)

	for name, s := range p.Services {
		oneShot := slices.Contains(oneShots, name)
		switch {
		case oneShot:
			require.Equal(t, "no", s.Restart, "one-shot %s must not restart", name)
		case slices.Contains(noHealthCheck, name):
			require.Nil(t, s.HealthCheck, name)
		default:
			require.NotNil(t, s.HealthCheck, "%s has no health check", name)
			require.False(t, s.HealthCheck.Disable, name)
			require.GreaterOrEqual(t, len(s.HealthCheck.Test), 2, name)
			require.NotNil(t, s.HealthCheck.Retries, name)
		}
	}

	// The lattice image has no shell: its checks run the binary itself,
	// against the process's own port.
	for name := range latticeServices {
		test := p.Services[name].HealthCheck.Test
		require.Len(t, test, 4, name)
		require.Equal(t, []string{"CMD", "/lattice", "health"}, []string(test[:3]), name)
		_, port, err := net.SplitHostPort(environment(t, p, name)["LATTICE_LISTEN"])
		require.NoError(t, err)
		own := "http://127.0.0.1:" + port
		require.Contains(t, []string{own + "/healthz", own + "/readyz"}, test[3], name)
	}
}

// TestComposeStartOrder checks every service waits for what it needs to
// be healthy, or, for a one-shot step, to have finished.
func TestComposeStartOrder(t *testing.T) {
	p := loadExample(t)
	const (
		healthy  = types.ServiceConditionHealthy
		finished = types.ServiceConditionCompletedSuccessfully
		started  = types.ServiceConditionStarted
	)
	want := map[string]map[string]string{
		"postgresql":      {},
		"temporal-schema": {"postgresql": healthy},
		"temporal":        {"temporal-schema": finished},
		"temporal-setup":  {"temporal": healthy},
		"temporal-ui":     {"temporal-setup": finished},
		"jaeger":          {},
		"otel-collector":  {"jaeger": healthy},
		"sandbox":         {},
		"worker":          {"temporal-setup": finished, "sandbox": healthy, "otel-collector": started},
		"api":             {"temporal-setup": finished, "worker": healthy, "otel-collector": started},
		"codec":           {},
	}
	for name, s := range p.Services {
		got := map[string]string{}
		for dep, d := range s.DependsOn {
			got[dep] = d.Condition
			require.True(t, d.Required, "%s: dependency on %s", name, dep)
			if d.Condition == started {
				require.Contains(t, noHealthCheck, dep, "%s waits for %s to start only", name, dep)
			}
		}
		require.Equal(t, want[name], got, name)
	}

	for name, s := range p.Services {
		cmd := strings.Join(slices.Concat([]string(s.Entrypoint), []string(s.Command)), " ")
		require.NotContains(t, cmd, "sleep", "%s waits by sleeping", name)
	}
}

func TestComposePorts(t *testing.T) {
	p := loadExample(t)
	want := map[string][]string{ // service: host_ip:published:target
		"temporal":    {"127.0.0.1:7233:7233"},
		"temporal-ui": {"127.0.0.1:8233:8080"},
		"jaeger":      {"127.0.0.1:16686:16686"},
		"sandbox":     {"127.0.0.1:8090:8090"},
		"worker":      {"127.0.0.1:8081:8081"},
		"codec":       {"127.0.0.1:8089:8089"},
		// The API alone is reachable from other machines: it is the one
		// that asks for a token.
		"api": {":8080:8080"},
	}
	for name, s := range p.Services {
		var got []string
		for _, port := range s.Ports {
			got = append(got, port.HostIP+":"+port.Published+":"+strconv.FormatUint(uint64(port.Target), 10))
		}
		require.Equal(t, want[name], got, name)
	}
}

// environment is a service's environment after Compose's interpolation.
func environment(t *testing.T, p *types.Project, service string) map[string]string {
	t.Helper()
	s, ok := p.Services[service]
	require.True(t, ok, service)
	env := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

func lookup(env map[string]string) config.LookupEnv {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// TestComposeSetsWhatLatticeNeeds derives what each lattice service must
// be given from the configuration's own table of variables, so the two
// cannot drift: every required variable is set, every variable set is one
// the process reads, and the configuration loads.
func TestComposeSetsWhatLatticeNeeds(t *testing.T) {
	p := loadExample(t)
	for service, process := range latticeServices {
		t.Run(service, func(t *testing.T) {
			env := environment(t, p, service)
			known := map[string]bool{}
			for _, v := range config.VariablesOf(process) {
				known[v.Name] = true
				if v.Required {
					set := env[v.Name] != "" || (v.Or != "" && env[v.Or] != "")
					if service == "codec" && v.Name == "LATTICE_PAYLOAD_KEYS" {
						// Set by the user who turns the encryption profile on.
						require.Contains(t, env, v.Name)
						continue
					}
					require.True(t, set, "%s needs %s", service, v.Name)
				}
			}
			for name := range env {
				if strings.HasPrefix(name, "OTEL_") && service != "sandbox" && service != "codec" {
					continue
				}
				require.True(t, known[name], "%s is given %s, which lattice %s does not read",
					service, name, process)
			}
		})
	}

	_, err := config.LoadAPI(lookup(environment(t, p, "api")))
	require.NoError(t, err)
	_, err = config.LoadSandbox(lookup(environment(t, p, "sandbox")))
	require.NoError(t, err)

	// The worker's NetSuite key is a file the sandbox writes into their
	// shared volume; it exists only inside the containers.
	_, err = config.LoadWorker(lookup(environment(t, p, "worker")))
	requireOnlyMissingFiles(t, err)
}

func requireOnlyMissingFiles(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined), "%v", err)
	for _, problem := range joined.Unwrap() {
		require.ErrorIs(t, problem, fs.ErrNotExist)
	}
}

// TestComposeVendorsOnlyInTheWorker checks no other service is given a
// vendor setting.
func TestComposeVendorsOnlyInTheWorker(t *testing.T) {
	p := loadExample(t)
	vendor := func(name string) bool {
		return strings.HasPrefix(name, "EQUINIX_") || strings.HasPrefix(name, "ZOHO_") ||
			strings.HasPrefix(name, "NETSUITE_")
	}
	for name := range p.Services {
		if name == "worker" {
			continue
		}
		for k := range environment(t, p, name) {
			require.False(t, vendor(k), "%s is given %s", name, k)
		}
	}
}

// TestComposeWorkerReachesTheSandbox checks the example's vendor settings
// are the sandbox's: its address, its published credentials and the key
// it hands over through the shared volume.
func TestComposeWorkerReachesTheSandbox(t *testing.T) {
	p := loadExample(t)
	worker := environment(t, p, "worker")
	sb := environment(t, p, "sandbox")

	base := "http://sandbox" + sb["LATTICE_LISTEN"]
	for _, k := range []string{"EQUINIX_BASE_URL", "ZOHO_BASE_URL", "ZOHO_ACCOUNTS_URL", "NETSUITE_ACCOUNT_URL"} {
		require.True(t, strings.HasPrefix(worker[k], base+"/"), "%s=%s is not the sandbox %s", k, worker[k], base)
	}

	creds := sandbox.DefaultCredentials()
	require.Equal(t, creds.EquinixClientID, worker["EQUINIX_CLIENT_ID"])
	require.Equal(t, creds.EquinixClientSecret, worker["EQUINIX_CLIENT_SECRET"])
	require.Equal(t, creds.ZohoOrganizationID, worker["ZOHO_ORGANIZATION_ID"])
	require.Equal(t, creds.ZohoClientID, worker["ZOHO_CLIENT_ID"])
	require.Equal(t, creds.ZohoClientSecret, worker["ZOHO_CLIENT_SECRET"])
	require.Equal(t, creds.ZohoRefreshToken, worker["ZOHO_REFRESH_TOKEN"])
	require.Equal(t, creds.NetSuiteAccountID, worker["NETSUITE_ACCOUNT_ID"])
	require.Equal(t, creds.NetSuiteClientID, worker["NETSUITE_CLIENT_ID"])
	require.Equal(t, creds.NetSuiteCertificateID, worker["NETSUITE_CERTIFICATE_ID"])

	keyFile := sb["LATTICE_SANDBOX_NETSUITE_KEY_FILE"]
	require.Equal(t, keyFile, worker["NETSUITE_PRIVATE_KEY_FILE"])
	sbVol := volumeAt(t, p, "sandbox", filepath.Dir(keyFile))
	workerVol := volumeAt(t, p, "worker", filepath.Dir(keyFile))
	require.Equal(t, types.VolumeTypeVolume, sbVol.Type)
	require.Equal(t, sbVol.Source, workerVol.Source, "sandbox and worker share the key's volume")
	require.False(t, sbVol.ReadOnly)
	require.True(t, workerVol.ReadOnly)
}

func volumeAt(t *testing.T, p *types.Project, service, target string) types.ServiceVolumeConfig {
	t.Helper()
	for _, v := range p.Services[service].Volumes {
		if v.Target == target {
			return v
		}
	}
	t.Fatalf("%s mounts nothing at %s", service, target)
	return types.ServiceVolumeConfig{}
}

// TestComposeNeedsAToken: the example leaves the API's tokens to the user,
// and the stack does not come up without one.
func TestComposeNeedsAToken(t *testing.T) {
	env, err := dotenv.Read("../.env.example")
	require.NoError(t, err)
	require.Empty(t, env["LATTICE_API_TOKENS"], ".env.example must not carry a token")

	_, err = load(env)
	require.ErrorContains(t, err, "LATTICE_API_TOKENS")
}

// TestExampleHoldsNoSecret: every credential in .env.example is the
// sandbox's published one, and no key or token is filled in.
func TestExampleHoldsNoSecret(t *testing.T) {
	env, err := dotenv.Read("../.env.example")
	require.NoError(t, err)

	published := sandbox.DefaultCredentials()
	public := map[string]bool{
		published.EquinixClientID: true, published.EquinixClientSecret: true,
		published.ZohoClientID: true, published.ZohoClientSecret: true,
		published.ZohoRefreshToken: true, published.ZohoOrganizationID: true,
		published.NetSuiteAccountID: true, published.NetSuiteClientID: true,
		published.NetSuiteCertificateID: true,
	}
	for _, v := range config.Variables() {
		value := env[v.Name]
		if v.Secret && value != "" {
			require.True(t, public[value], "%s in .env.example is not a published sandbox value", v.Name)
		}
	}
	require.NotContains(t, env, "NETSUITE_PRIVATE_KEY")
}

func TestComposeMountsFilesThatExist(t *testing.T) {
	p := loadExample(t)
	for name, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			_, err := os.Stat(v.Source)
			require.NoError(t, err, "%s mounts %s", name, v.Source)
		}
	}
}

// TestSetupRegistersEverySearchAttribute checks the one-shot step
// registers the attributes the workflows set, as Keyword.
func TestSetupRegistersEverySearchAttribute(t *testing.T) {
	script, err := os.ReadFile("temporal/namespace.sh")
	require.NoError(t, err)

	p := loadExample(t)
	setup := p.Services["temporal-setup"]
	require.Equal(t, []string{"/bin/sh", "/deploy/namespace.sh"}, []string(setup.Entrypoint))

	loop := regexp.MustCompile(`for name in ([A-Za-z ]+); do`).FindStringSubmatch(string(script))
	require.Len(t, loop, 2, "namespace.sh has no loop over search attribute names")
	require.ElementsMatch(t, workflows.SearchAttributeNames, strings.Fields(loop[1]))
	require.Contains(t, string(script), `--name "$name" --type Keyword`)
}
