package deploy

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// stage is one FROM of the Dockerfile with the instructions under it.
type stage struct {
	from  string
	lines []string
}

// stages splits the Dockerfile into its build stages, one instruction a
// line, continuation lines joined and comments dropped.
func stages(t *testing.T) []stage {
	t.Helper()
	b, err := os.ReadFile("../Dockerfile")
	require.NoError(t, err)

	var out []stage
	var cont string
	for raw := range strings.SplitSeq(string(b), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cont += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		line, cont = cont+line, ""
		if from, ok := strings.CutPrefix(line, "FROM "); ok {
			out = append(out, stage{from: from})
			continue
		}
		require.NotEmpty(t, out, "instruction before FROM: %s", line)
		out[len(out)-1].lines = append(out[len(out)-1].lines, line)
	}
	return out
}

func (s stage) find(prefix string) []string {
	var found []string
	for _, l := range s.lines {
		if strings.HasPrefix(l, prefix) {
			found = append(found, l)
		}
	}
	return found
}

func TestDockerfile(t *testing.T) {
	all := stages(t)
	require.GreaterOrEqual(t, len(all), 2, "multi-stage")

	build := all[0]
	require.True(t, strings.HasPrefix(build.from, "golang:1.26 "), build.from)
	compile := strings.Join(build.find("RUN "), "\n")
	require.Contains(t, compile, "CGO_ENABLED=0")
	require.Contains(t, compile, "go build")
	require.Contains(t, compile, "./cmd/lattice")

	final := all[len(all)-1]
	require.Contains(t, final.from, "distroless/static", "a small final image with no shell")
	require.Equal(t, []string{"USER 65532:65532"}, final.find("USER "), "runs as non-root")
	require.Equal(t, []string{`ENTRYPOINT ["/lattice"]`}, final.find("ENTRYPOINT "))
	for _, c := range final.find("COPY ") {
		require.Contains(t, c, "--from=build", "the final image takes only build outputs: %s", c)
	}
	require.Empty(t, final.find("RUN "), "the final image has no shell to run anything with")
}

// TestImageLeavesOutTheTemporalServer: cmd/lattice, the image's only
// binary, must not link the embedded Temporal server the dev stack uses.
func TestImageLeavesOutTheTemporalServer(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../cmd/lattice").CombinedOutput()
	require.NoError(t, err, "%s", out)

	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/lattice/lattice/config")
	for _, d := range deps {
		require.False(t, strings.HasPrefix(d, "go.temporal.io/server"), "cmd/lattice imports %s", d)
		require.NotEqual(t, "github.com/lattice/lattice/devserver", d)
		require.NotEqual(t, "github.com/lattice/lattice/devstack", d)
	}
}
