package config_test

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice/config"
)

// env is an environment for the loaders.
type env map[string]string

func (e env) lookup(k string) (string, bool) {
	v, ok := e[k]
	return v, ok
}

// with returns a copy of e with kv (name, value pairs) set.
func (e env) with(kv ...string) env {
	out := maps.Clone(e)
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

const token = "0123456789abcdef0123456789abcdef"

var apiEnv = env{"LATTICE_API_TOKENS": token}

// workerEnv is a complete worker configuration against the sandbox.
var workerEnv = env{
	"EQUINIX_CLIENT_ID":       "eq-id",
	"EQUINIX_CLIENT_SECRET":   "eq-secret",
	"ZOHO_ORGANIZATION_ID":    "10234695",
	"ZOHO_CLIENT_ID":          "zo-id",
	"ZOHO_CLIENT_SECRET":      "zo-secret",
	"ZOHO_REFRESH_TOKEN":      "zo-refresh",
	"NETSUITE_ACCOUNT_ID":     "1234567_SB1",
	"NETSUITE_CLIENT_ID":      "ns-id",
	"NETSUITE_CERTIFICATE_ID": "ns-cert",
	"NETSUITE_PRIVATE_KEY":    "-----BEGIN PRIVATE KEY-----",
}

// problems splits a loader's error into its one-line problems.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

func TestLoadAPIDefaults(t *testing.T) {
	cfg, err := config.LoadAPI(apiEnv.lookup)
	require.NoError(t, err)

	require.Equal(t, ":8080", cfg.Listen)
	require.Equal(t, "json", cfg.LogFormat)
	require.Equal(t, "127.0.0.1:7233", cfg.Temporal.Address)
	require.Equal(t, "default", cfg.Temporal.Namespace)
	require.Nil(t, cfg.Temporal.TLS)
	require.Nil(t, cfg.Codec)
	require.Equal(t, 10*time.Second, cfg.StartTimeout)
	require.Equal(t, []string{token}, cfg.Tokens)
	require.False(t, cfg.Open)

	opts := cfg.ClientOptions()
	require.Equal(t, "127.0.0.1:7233", opts.HostPort)
	require.Nil(t, opts.ConnectionOptions.TLS)
	require.Nil(t, opts.Credentials)
	require.Nil(t, opts.DataConverter)
}

func TestLoadWorker(t *testing.T) {
	cfg, err := config.LoadWorker(workerEnv.with("LATTICE_WORKER_MAX_ACTIVITIES", "12").lookup)
	require.NoError(t, err)

	require.Equal(t, ":8081", cfg.Listen)
	require.Equal(t, "https://api.equinix.com", cfg.Worker.Equinix.BaseURL)
	require.Equal(t, "eq-secret", cfg.Worker.Equinix.ClientSecret)
	require.Equal(t, "zo-refresh", cfg.Worker.Zoho.RefreshToken)
	require.Equal(t, "-----BEGIN PRIVATE KEY-----", cfg.Worker.NetSuite.PrivateKeyPEM)
	require.Equal(t, 12, cfg.Worker.MaxConcurrentActivities)
}

func TestLoadWorkerReadsTheKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "netsuite.pem")
	require.NoError(t, os.WriteFile(path, []byte("PEM FROM FILE"), 0o600))
	e := workerEnv.with("NETSUITE_PRIVATE_KEY", "", "NETSUITE_PRIVATE_KEY_FILE", path)

	cfg, err := config.LoadWorker(e.lookup)
	require.NoError(t, err)
	require.Equal(t, "PEM FROM FILE", cfg.Worker.NetSuite.PrivateKeyPEM)

	_, err = config.LoadWorker(e.with("NETSUITE_PRIVATE_KEY_FILE", path+".missing").lookup)
	require.ErrorIs(t, err, fs.ErrNotExist)
}

// TestEveryProblemOnItsOwnLine gives each loader several mistakes at once
// and expects one line naming each, and nothing else.
func TestEveryProblemOnItsOwnLine(t *testing.T) {
	cases := []struct {
		name string
		load func(config.LookupEnv) error
		env  env
		want []string
	}{{
		name: "api",
		load: loadAPI,
		env: env{
			"LATTICE_LOG_FORMAT":      "xml",
			"LATTICE_LOG_LEVEL":       "loud",
			"LATTICE_LISTEN":          "8080",
			"LATTICE_START_TIMEOUT":   "soon",
			"LATTICE_TEMPORAL_UI_URL": "temporal-ui:8080",
		},
		want: []string{
			`LATTICE_LISTEN="8080" is not host:port`,
			`LATTICE_LOG_FORMAT="xml" must be json or text`,
			"LATTICE_LOG_LEVEL must be debug, info, warn or error",
			`LATTICE_TEMPORAL_UI_URL="temporal-ui:8080" is not an http or https URL`,
			`LATTICE_START_TIMEOUT="soon" is not a positive duration`,
			"LATTICE_API_TOKENS is not set",
		},
	}, {
		name: "worker",
		load: loadWorker,
		env: env{
			"EQUINIX_BASE_URL":                "api.equinix.com",
			"LATTICE_WORKER_ACTIVITY_POLLERS": "-1",
		},
		want: []string{
			`EQUINIX_BASE_URL="api.equinix.com" is not an http or https URL`,
			"EQUINIX_CLIENT_ID is not set",
			"EQUINIX_CLIENT_SECRET is not set",
			"ZOHO_ORGANIZATION_ID is not set",
			"ZOHO_CLIENT_ID is not set",
			"ZOHO_CLIENT_SECRET is not set",
			"ZOHO_REFRESH_TOKEN is not set",
			"NETSUITE_ACCOUNT_ID is not set",
			"NETSUITE_CLIENT_ID is not set",
			"NETSUITE_CERTIFICATE_ID is not set",
			"NETSUITE_PRIVATE_KEY or NETSUITE_PRIVATE_KEY_FILE must hold",
			`LATTICE_WORKER_ACTIVITY_POLLERS="-1" is not a whole number`,
		},
	}, {
		name: "codec",
		load: loadCodec,
		env:  env{},
		want: []string{
			"LATTICE_CODEC_ORIGINS is not set",
			"LATTICE_PAYLOAD_KEYS is not set",
		},
	}, {
		name: "sandbox",
		load: loadSandbox,
		env:  env{"LATTICE_CONFIRM_DELAY": "-2s"},
		want: []string{`LATTICE_CONFIRM_DELAY="-2s" is not a positive duration`},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := problems(tc.load(tc.env.lookup))
			require.Len(t, got, len(tc.want), "problems:\n%s", strings.Join(got, "\n"))
			for i, want := range tc.want {
				require.Contains(t, got[i], want)
			}
		})
	}
}

func loadAPI(e config.LookupEnv) error     { _, err := config.LoadAPI(e); return err }
func loadWorker(e config.LookupEnv) error  { _, err := config.LoadWorker(e); return err }
func loadCodec(e config.LookupEnv) error   { _, err := config.LoadCodecServer(e); return err }
func loadSandbox(e config.LookupEnv) error { _, err := config.LoadSandbox(e); return err }

func TestAPIAuthentication(t *testing.T) {
	cases := []struct {
		name  string
		env   env
		want  string // "" for no problem
		open  bool
		count int
	}{
		{name: "tokens", env: env{"LATTICE_API_TOKENS": token + ", " + token + "x"}, count: 2},
		{name: "open on request", env: env{"LATTICE_API_OPEN": "true"}, open: true},
		{name: "neither", env: env{}, want: "LATTICE_API_TOKENS is not set"},
		{name: "open=false alone", env: env{"LATTICE_API_OPEN": "false"},
			want: "LATTICE_API_TOKENS is not set"},
		{name: "both", env: env{"LATTICE_API_TOKENS": token, "LATTICE_API_OPEN": "true"},
			want: "both set: choose one"},
		{name: "open not a bool", env: env{"LATTICE_API_TOKENS": token, "LATTICE_API_OPEN": "yes please"},
			want: `LATTICE_API_OPEN="yes please" must be true or false`},
		{name: "short token", env: env{"LATTICE_API_TOKENS": "short-secret"},
			want: "token 1 is shorter than 16 characters"},
		{name: "token with a space", env: env{"LATTICE_API_TOKENS": token + "," + "has space in it 0123"},
			want: "token 2 has characters a bearer token cannot carry"},
		{name: "stray comma", env: env{"LATTICE_API_TOKENS": token + ","},
			want: "LATTICE_API_TOKENS: entry 2 of 2 is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.LoadAPI(tc.env.lookup)
			if tc.want == "" {
				require.NoError(t, err)
				require.Equal(t, tc.open, cfg.Open)
				require.Len(t, cfg.Tokens, tc.count)
				return
			}
			require.Len(t, problems(err), 1, "%v", err)
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), "short-secret")
			require.NotContains(t, err.Error(), "has space")
		})
	}
}

func b64(n int, fill byte) string {
	return base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(fill), n)))
}

func TestPayloadKeys(t *testing.T) {
	cfg, err := config.LoadAPI(apiEnv.with(
		"LATTICE_PAYLOAD_KEYS", "2026-01:"+b64(32, 'n')+", 2025-01:"+b64(32, 'o')).lookup)
	require.NoError(t, err)
	require.NotNil(t, cfg.Codec)
	require.Equal(t, "2026-01", cfg.Codec.KeyID())

	opts := cfg.ClientOptions()
	require.NotNil(t, opts.DataConverter)
	require.NotNil(t, opts.FailureConverter)

	p, err := opts.DataConverter.ToPayload("hello")
	require.NoError(t, err)
	require.Equal(t, "2026-01", string(p.Metadata["encryption-key-id"]))
}

func TestPayloadKeyProblems(t *testing.T) {
	secret := b64(16, 's') // 16 bytes: the wrong size, and a value no message may quote
	cases := map[string]struct{ keys, want string }{
		"no colon":     {secret, "key 1 is not <id>:<base64 of 32 bytes>"},
		"bad id":       {"a b:" + b64(32, 'x'), "key 1: its id must be"},
		"not base64":   {"k1:" + secret + "!!", `key "k1" is not standard base64`},
		"wrong size":   {"k1:" + secret, `key "k1" is 16 bytes; AES-256 needs 32`},
		"duplicate id": {"k1:" + b64(32, 'a') + ",k1:" + b64(32, 'b'), `key id "k1" appears twice`},
		"empty entry":  {"k1:" + b64(32, 'a') + ",,", "entry 2 of 3 is empty"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg, err := config.LoadWorker(workerEnv.with("LATTICE_PAYLOAD_KEYS", tc.keys).lookup)
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), secret)
			require.Nil(t, cfg.Codec)
		})
	}
}

func TestCodecServer(t *testing.T) {
	e := env{
		"LATTICE_PAYLOAD_KEYS":  "k1:" + b64(32, 'k'),
		"LATTICE_CODEC_ORIGINS": "http://localhost:8233, https://temporal.example.com",
	}
	cfg, err := config.LoadCodecServer(e.lookup)
	require.NoError(t, err)
	require.Equal(t, ":8089", cfg.Listen)
	require.Equal(t, []string{"http://localhost:8233", "https://temporal.example.com"}, cfg.Origins)
	require.Equal(t, "k1", cfg.Codec.KeyID())

	for _, bad := range []string{"localhost:8233", "http://localhost:8233/", "*"} {
		_, err := config.LoadCodecServer(e.with("LATTICE_CODEC_ORIGINS", bad).lookup)
		require.ErrorContains(t, err, "is not an origin", bad)
	}
}

func TestSandbox(t *testing.T) {
	cfg, err := config.LoadSandbox(env{"LATTICE_SANDBOX_NETSUITE_KEY_FILE": "/keys/ns.pem"}.lookup)
	require.NoError(t, err)
	require.Equal(t, ":8090", cfg.Listen)
	require.Equal(t, 2*time.Second, cfg.ConfirmDelay)
	require.Equal(t, "/keys/ns.pem", cfg.NetSuiteKeyFile)
}

// TestTableMatchesTheLoaders records what each loader reads and compares
// it with the table of variables, both ways, so neither can drift.
func TestTableMatchesTheLoaders(t *testing.T) {
	loaders := map[string]func(config.LookupEnv) error{
		config.ProcessAPI:     loadAPI,
		config.ProcessWorker:  loadWorker,
		config.ProcessCodec:   loadCodec,
		config.ProcessSandbox: loadSandbox,
	}
	for process, load := range loaders {
		t.Run(process, func(t *testing.T) {
			read := map[string]bool{}
			_ = load(func(k string) (string, bool) { read[k] = true; return "", false })

			var listed []string
			for _, v := range config.VariablesOf(process) {
				listed = append(listed, v.Name)
			}
			require.ElementsMatch(t, listed, slices.Collect(maps.Keys(read)))
		})
	}
}

func TestSecretsNeverInProblems(t *testing.T) {
	const marker = "SECRET-MARKER-7f3a"
	e := env{}
	for _, v := range config.Variables() {
		if v.Secret {
			e[v.Name] = marker
		}
	}
	for name, load := range map[string]func(config.LookupEnv) error{
		"api": loadAPI, "worker": loadWorker, "codec": loadCodec,
	} {
		err := load(e.lookup)
		require.Error(t, err, name)
		require.NotContains(t, err.Error(), marker, name)
	}
}

// TestReadmeListsEveryVariable checks the README's configuration table
// names every variable, in a row's first column, with its default.
func TestReadmeListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)

	rows := map[string][]string{}
	for line := range strings.SplitSeq(string(readme), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 || cells[0] != "" {
			continue
		}
		for _, v := range config.Variables() {
			if strings.Contains(cells[1], "`"+v.Name+"`") && !slices.Contains(rows[v.Name], line) {
				rows[v.Name] = append(rows[v.Name], line)
			}
		}
	}
	for _, v := range config.Variables() {
		require.NotEmpty(t, rows[v.Name], "README has no table row for %s", v.Name)
		if v.Default == "" {
			continue
		}
		found := slices.ContainsFunc(rows[v.Name], func(row string) bool {
			return strings.Contains(row, "`"+v.Default+"`")
		})
		require.True(t, found, "README lacks the %s default of %s, %s", v.Process, v.Name, v.Default)
	}
}

func TestErrorsJoinOneProblemPerLine(t *testing.T) {
	_, err := config.LoadAPI(env{}.lookup)
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined))
	require.Len(t, joined.Unwrap(), len(problems(err)))
}

func TestLoadAPISagaSettings(t *testing.T) {
	cfg, err := config.LoadAPI(apiEnv.lookup)
	require.NoError(t, err)
	require.Equal(t, time.Second, cfg.Settings.PollInitial)
	require.Equal(t, time.Hour, cfg.Settings.PollMax)
	require.Equal(t, 14*24*time.Hour, cfg.Settings.ConfirmTimeout)
	require.Equal(t, 10*time.Minute, cfg.Settings.StepBudget)
	require.Equal(t, 24*time.Hour, cfg.Settings.CompensationBudget)

	cfg, err = config.LoadAPI(apiEnv.with("LATTICE_POLL_MAX", "2m", "LATTICE_STEP_BUDGET", "30s").lookup)
	require.NoError(t, err)
	require.Equal(t, 2*time.Minute, cfg.Settings.PollMax)
	require.Equal(t, 30*time.Second, cfg.Settings.StepBudget)

	_, err = config.LoadAPI(apiEnv.with("LATTICE_POLL_INITIAL", "5m", "LATTICE_POLL_MAX", "1m").lookup)
	require.Equal(t, []string{"LATTICE_POLL_MAX=1m0s is shorter than LATTICE_POLL_INITIAL=5m0s"}, problems(err))
}
