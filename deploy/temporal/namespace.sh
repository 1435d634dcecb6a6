#!/bin/sh
# One-shot, run in the temporalio/admin-tools image once the Temporal
# server is healthy: registers the namespace Lattice runs in and the
# search attributes its transactions carry, so the UI and the API can
# filter by them. Both steps are idempotent.
set -eu

address=${TEMPORAL_ADDRESS:-temporal:7233}
namespace=${TEMPORAL_NAMESPACE:-default}
retention=${TEMPORAL_RETENTION:-720h}

# retry runs a command until it succeeds, 30 tries two seconds apart: a
# new namespace takes a few seconds to reach every frontend.
retry() {
	n=1
	until "$@"; do
		if [ "$n" -ge 30 ]; then
			echo "gave up after $n tries: $*" >&2
			return 1
		fi
		n=$((n + 1))
		sleep 2
	done
}

retry temporal operator cluster health --address "$address"

if ! temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
	retry temporal operator namespace create --address "$address" \
		--namespace "$namespace" --retention "$retention"
fi

for name in LatticeState LatticeIAId LatticeSource LatticeDestination; do
	retry temporal operator search-attribute create --address "$address" \
		--namespace "$namespace" --name "$name" --type Keyword
done
echo "Namespace $namespace and Lattice's search attributes are registered"
