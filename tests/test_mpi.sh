#!/bin/sh
# test_mpi.sh - `fate phase` and `fate reproduce` spread over 2 MPI ranks on
# this machine give files identical to one process, and --resume works across
# rank counts. Usage: sh tests/test_mpi.sh path/to/fate path/to/mpirun
MPIRUN=${2:?usage: test_mpi.sh fate mpirun}
. "$(cd "$(dirname "$0")" && pwd)/tap.sh"
ROOT=""
[ "$(id -u)" -eq 0 ] && ROOT="--allow-run-as-root"
MPI="$MPIRUN $ROOT --oversubscribe -np 2"
# loopback only, no interactive prompts
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_plm_rsh_agent=false

SM="--d 40 --gamma 0.25:1.75:4 --theta pi/8:pi/2:5 --lambda 0,0.3 --instances 4 --seed 9 --quiet --plot none"
"$FATE" phase $SM --out one > /dev/null 2>&1
check "1 process runs" [ $? -eq 0 ]
$MPI "$FATE" phase $SM --out two > two.out 2> two.err
check "2 ranks run" [ $? -eq 0 ]
check "2 ranks: runs.csv identical to 1 process" cmp -s one/runs.csv two/runs.csv
check "2 ranks: summary.csv identical to 1 process" cmp -s one/summary.csv two/summary.csv
check "2 ranks: the paths are printed once" [ "$(grep -c 'two/summary.csv' two.out)" -eq 1 ]
check "manifest records 2 ranks" grep -q '"mpi_ranks": 2' two/manifest.json

# resume across rank counts: drop some cells, finish with the other count
rm two/cells/cell_g001_t000.csv two/cells/cell_g003_t004.csv two/runs.csv
"$FATE" phase --resume --out two --quiet > /dev/null 2>&1
check "2-rank sweep resumed by 1 process is identical" cmp -s one/runs.csv two/runs.csv
rm one/cells/cell_g000_t001.csv one/cells/cell_g002_t002.csv one/summary.csv
cp one/runs.csv ref.csv
$MPI "$FATE" phase --resume --out one --quiet > /dev/null 2>&1
check "1-process sweep resumed by 2 ranks is identical" cmp -s ref.csv one/runs.csv

"$FATE" reproduce --quick --only ridge --instances 3 --out r1 --quiet --plot none > /dev/null 2>&1
$MPI "$FATE" reproduce --quick --only ridge --instances 3 --out r2 --quiet --plot none > /dev/null 2>&1
check "reproduce on 2 ranks: identical summary" cmp -s r1/ridge/summary.csv r2/ridge/summary.csv
check "reproduce on 2 ranks: report written" [ -s r2/report.md ]

# two-layer networks: overlap rows spread over ranks
RELU="--model relu2 --d 5 --mstar 2 --width 12 --n-src 60 --n 4,8 --mu 0,0.5,1 --instances 2 --steps 800 --n-test 500 --plot none --quiet"
"$FATE" phase $RELU --out q1 > /dev/null 2>&1
$MPI "$FATE" phase $RELU --out q2 > /dev/null 2>&1
check "relu2 on 2 ranks: runs.csv identical to 1 process" cmp -s q1/runs.csv q2/runs.csv
check "relu2 on 2 ranks: boundary.csv identical" cmp -s q1/boundary.csv q2/boundary.csv

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
