package worker_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/lattice/lattice/worker"
)

func TestOptionsTakeTheDefaultsForZero(t *testing.T) {
	o := worker.Options(worker.Config{StopTimeout: 5 * time.Second})

	assert.Equal(t, worker.DefaultMaxConcurrentActivities, o.MaxConcurrentActivityExecutionSize)
	assert.Equal(t, worker.DefaultMaxConcurrentWorkflowTasks, o.MaxConcurrentWorkflowTaskExecutionSize)
	assert.Equal(t, worker.DefaultActivityPollers, o.MaxConcurrentActivityTaskPollers)
	assert.Equal(t, worker.DefaultWorkflowPollers, o.MaxConcurrentWorkflowTaskPollers)
	assert.Equal(t, 5*time.Second, o.WorkerStopTimeout)
}

func TestOptionsKeepWhatIsSet(t *testing.T) {
	o := worker.Options(worker.Config{
		MaxConcurrentActivities:    7,
		MaxConcurrentWorkflowTasks: 9,
		ActivityPollers:            3,
		WorkflowPollers:            4,
	})

	assert.Equal(t, 7, o.MaxConcurrentActivityExecutionSize)
	assert.Equal(t, 9, o.MaxConcurrentWorkflowTaskExecutionSize)
	assert.Equal(t, 3, o.MaxConcurrentActivityTaskPollers)
	assert.Equal(t, 4, o.MaxConcurrentWorkflowTaskPollers)
}
