# Sourced by scripts/main.sh and scripts/test.sh (not run): the job's stages, timed, and stopped by one Ctrl-C.
#
#   stages_begin                  at the top of the job: reports/stages.tsv started fresh, the Ctrl-C trap set
#   stage NAME CMD...             CMD in the foreground; a failure sets the job's status to 1 and the job goes on
#   stage_background NAME CMD...  CMD beside the next stages, its output in reports/logs/NAME.log
#   stage_wait                    waits for every background stage (its log's tail printed when it failed)
#   stages_end                    the table of stages, the job's wall time, the longest stage; exits
#
# Every stage prints a line when it starts and when it ends and adds a row to reports/stages.tsv (stage, seconds,
# status: passed, failed, interrupted or skipped, waited: the seconds the job itself waited on it: a foreground
# stage's whole wall time, a background stage's time blocked in stage_wait; the stages with waited > 0 are the job's
# critical path); the game-day report's "Where the time went" reads it.
#
# Ctrl-C: the terminal sends SIGINT to the script and to the foreground stage's command at once. The first one lets
# that command end as it does on its own (pytest rolls its experiment back and stops) and runs no further stage:
# every later `stage` only records itself as skipped. Background stages run in their own session (the terminal does
# not reach them), so every Ctrl-C is forwarded to them as SIGINT, and they are waited for. A second Ctrl-C reaches
# the foreground command as it always did (the suite then keeps its undo records for the next run). A stage whose
# command exits 2 (pytest: interrupted) or 130 (killed by SIGINT) interrupts the job as well, without the trap.
#
# Commands run as asynchronous children (`cmd & wait`) so that the trap runs at once, not after the foreground
# command ends; bash starts those with SIGINT and SIGQUIT ignored, and an ignored signal stays ignored across exec
# (Python then installs no KeyboardInterrupt handler), so each command goes through `env --default-signal`, which
# restores the default disposition before exec. Its standard input stays the job's (`<&0`). A CMD is therefore a
# program with its arguments, not a shell function. Paths are relative to the job's directory (the checkout).
#
# The job's start (epoch seconds) is exported as STAGES_JOB_STARTED for the report, which measures the job's wall
# time from it when not given --wall-seconds.

STAGES_TSV=reports/stages.tsv
STAGES_LOGS=reports/logs
_stages_t0=${EPOCHREALTIME//[!0-9]/}  # microseconds; set when sourced, so the job's set-up counts in its wall time
STAGES_JOB_STARTED=$((_stages_t0 / 1000000))
if env --default-signal=INT true 2>/dev/null; then
  _stages_dfl=(env --default-signal=INT,QUIT)
else  # coreutils before 8.31 has no --default-signal: Python sets the default disposition, then execs CMD
  _stages_dfl=(python3 -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGQUIT): signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])')
fi

_stages_status=0
_stages_interrupted=""  # set by the first Ctrl-C, or by a stage that exited 2 or 130
_stages_int_at=""       # when (microseconds) the first Ctrl-C came
_stages_during=()       # the stages running at the interruption
_stages_woken=0         # the trap ran (cuts a `wait` short)
_stages_fg=""           # the foreground stage now running
_stages_busy_us=0       # microseconds in a foreground stage or waiting for one in the background
_stages_names=() _stages_secs=() _stages_results=() _stages_notes=()
_stages_path=()         # "stage Mm SSs" for each stage the job waited on (its critical path)
_stages_bg_names=() _stages_bg_pids=() _stages_bg_t0=() _stages_bg_done=()
_stages_tmp=""

stages_begin() {
  mkdir -p "$(dirname "$STAGES_TSV")"
  printf 'stage\tseconds\tstatus\twaited\n' >"$STAGES_TSV"
  export STAGES_JOB_STARTED
  if ! { true <&0; } 2>/dev/null; then exec </dev/null; fi  # a closed stdin: the stages' `<&0` would fail
  _stages_tmp=$(mktemp -d)
  trap _stages_on_int INT
  trap _stages_on_exit EXIT
}

stage() {
  local name=$1 t0 us
  shift
  _stages_check_name "$name"
  if [[ -n $_stages_interrupted ]]; then
    _stages_skip "$name"
    return 0
  fi
  printf 'stage %s: started at %(%H:%M:%S)T\n' "$name" -1
  _stages_fg=$name
  t0=${EPOCHREALTIME//[!0-9]/}
  "${_stages_dfl[@]}" "$@" <&0 &
  _stages_wait_pid $!
  _stages_fg=""
  us=$((${EPOCHREALTIME//[!0-9]/} - t0))
  _stages_busy_us=$((_stages_busy_us + us))
  _stages_classify "$_stages_rc" "$t0" ""
  _stages_record "$name" "$us" "$_stages_rc" "" "$us"
}

stage_background() {
  local name=$1 log
  shift
  _stages_check_name "$name"
  if [[ -n $_stages_interrupted ]]; then
    _stages_skip "$name"
    return 0
  fi
  mkdir -p "$STAGES_LOGS" || true
  log=$STAGES_LOGS/$name.log
  # A session of its own (setsid runs it as the session and group leader: its pid is the group's id). The inner bash
  # stamps the end time, so a stage that ended long before stage_wait is not charged for the wait; its `trap : INT`
  # keeps it alive through a SIGINT to write the stamp (a trap, unlike an ignored signal, is not inherited).
  setsid "${_stages_dfl[@]}" bash -c 'end=$1; shift; trap : INT; "$@"; rc=$?
    { printf "%s\n" "${EPOCHREALTIME//[!0-9]/}" >"$end"; } 2>/dev/null; exit "$rc"' \
    "stage $name" "$_stages_tmp/$name.end" "$@" >"$log" 2>&1 </dev/null &
  _stages_bg_names+=("$name")
  _stages_bg_pids+=("$!")
  _stages_bg_t0+=("${EPOCHREALTIME//[!0-9]/}")
  _stages_bg_done+=("")
  printf 'stage %s: started at %(%H:%M:%S)T in the background (log: %s)\n' "$name" -1 "$log"
}

stage_wait() {
  local i name log end waited
  for i in "${!_stages_bg_names[@]}"; do
    if [[ -n ${_stages_bg_done[i]} ]]; then continue; fi
    name=${_stages_bg_names[i]}
    log=$STAGES_LOGS/$name.log
    waited=${EPOCHREALTIME//[!0-9]/}
    _stages_wait_pid "${_stages_bg_pids[i]}"
    waited=$((${EPOCHREALTIME//[!0-9]/} - waited))
    _stages_busy_us=$((_stages_busy_us + waited))
    _stages_bg_done[i]=1
    end=""
    if [[ -r $_stages_tmp/$name.end ]]; then read -r end <"$_stages_tmp/$name.end" || true; fi
    [[ $end =~ ^[0-9]+$ ]] || end=${EPOCHREALTIME//[!0-9]/}
    _stages_classify "$_stages_rc" "${_stages_bg_t0[i]}" "$end"
    _stages_record "$name" $((end - _stages_bg_t0[i])) "$_stages_rc" "in the background" "$waited"
    if [[ $_stages_res == failed || $_stages_res == interrupted ]]; then
      echo "---- stage $name: the last 60 lines of $log ----"
      tail -n 60 "$log" || true
      echo "---- end of $log ----"
    fi
    echo "stage $name: its output is in $log"
  done
}

stages_end() {
  stage_wait
  local total=$((${EPOCHREALTIME//[!0-9]/} - _stages_t0)) i longest="" longest_us=-1 outside time
  local done=() skipped=() during="between stages" t_total t_outside t_longest done_s skipped_s path_s
  echo
  printf '%-24s %10s  %s\n' stage "wall time" status
  for i in "${!_stages_names[@]}"; do
    time="-"
    case ${_stages_results[i]} in
      skipped) skipped+=("${_stages_names[i]}") ;;
      *)
        _stages_mmss time "${_stages_secs[i]}"
        if ((_stages_secs[i] > longest_us)); then
          longest=${_stages_names[i]} longest_us=${_stages_secs[i]}
        fi
        if [[ ${_stages_results[i]} != interrupted ]]; then done+=("${_stages_names[i]}"); fi
        ;;
    esac
    printf '%-24s %10s  %s\n' "${_stages_names[i]}" "$time" "${_stages_results[i]}${_stages_notes[i]}"
  done
  outside=$((total - _stages_busy_us))
  ((outside > 0)) || outside=0
  _stages_mmss t_total "$total"
  _stages_mmss t_outside "$outside"
  printf 'job wall time %s (%s of it outside any stage: set-up, cluster up)' "$t_total" "$t_outside"
  if [[ -n $longest ]]; then
    _stages_mmss t_longest "$longest_us"
    printf '; the longest stage: %s (%s)' "$longest" "$t_longest"
  fi
  printf '\n'
  _stages_join path_s "${_stages_path[@]}"
  echo "critical path (what the job waited on, in order): set-up and cluster up $t_outside, $path_s"
  if [[ -n $_stages_interrupted ]]; then
    if ((${#_stages_during[@]})); then
      _stages_join during "${_stages_during[@]}"
      during="during $during"
    fi
    _stages_join done_s "${done[@]}"
    _stages_join skipped_s "${skipped[@]}"
    echo "interrupted $during: done: $done_s; skipped: $skipped_s"
    exit 130
  fi
  exit "$_stages_status"
}

# ---------------------------------------------------------------- internals
# No command substitution below: its subshell would share the job's process group, die of a Ctrl-C, and set -e
# would then end the job there. Results go through variables (printf -v).

_stages_check_name() {
  if [[ ! $1 =~ ^[A-Za-z0-9._-]+$ ]]; then
    echo "stages: a stage's name is letters, digits, '.', '_' or '-' (it names its log): got '$1'" >&2
    exit 2
  fi
}

# Waits for pid; its status in _stages_rc. A Ctrl-C cuts `wait` short (status > 128, the trap having run): wait
# again; bash keeps an ended child's status (a bash that forgot it answers 127: the last status stands then).
_stages_wait_pid() {
  local pid=$1 rc prev=""
  while :; do
    _stages_woken=0
    rc=0
    wait "$pid" || rc=$?
    if [[ -n $prev && $rc == 127 ]]; then
      rc=$prev
      break
    fi
    if ((_stages_woken == 0 || rc <= 128)); then break; fi
    prev=$rc
  done
  _stages_rc=$rc
}

# _stages_res: passed, failed or interrupted (exit 2 or 130, or a failure of a stage the first Ctrl-C came during).
_stages_classify() {
  local rc=$1 t0=$2 end=$3
  if ((rc == 0)); then
    _stages_res=passed
  elif ((rc == 2 || rc == 130)); then
    _stages_res=interrupted
  elif [[ -n $_stages_int_at ]] && ((_stages_int_at >= t0)) && [[ -z $end || $_stages_int_at -le $end ]]; then
    _stages_res=interrupted
  else
    _stages_res=failed
  fi
}

_stages_record() {
  local name=$1 us=$2 rc=$3 where=$4 waited_us=$5 note="" secs waited mmss
  case $_stages_res in
    failed) _stages_status=1 note="exit $rc" ;;
    interrupted)
      _stages_status=1 note="exit $rc"
      if [[ -z $_stages_interrupted ]]; then
        _stages_interrupted=1
        _stages_during+=("$name")
      fi
      ;;
  esac
  if [[ -n $where ]]; then note+="${note:+, }$where"; fi
  if [[ -n $note ]]; then note=" ($note)"; fi
  _stages_names+=("$name") _stages_secs+=("$us") _stages_results+=("$_stages_res") _stages_notes+=("$note")
  _stages_seconds secs "$us"
  _stages_seconds waited "$waited_us"
  if ((waited_us >= 500000)); then
    _stages_mmss mmss "$waited_us"
    _stages_path+=("$name $mmss")
  fi
  printf '%s\t%s\t%s\t%s\n' "$name" "$secs" "$_stages_res" "$waited" >>"$STAGES_TSV"
  _stages_mmss mmss "$us"
  echo "stage $name: $_stages_res$note in $mmss"
}

_stages_skip() {
  _stages_names+=("$1") _stages_secs+=(0) _stages_results+=(skipped) _stages_notes+=("")
  printf '%s\t0\tskipped\t0\n' "$1" >>"$STAGES_TSV"
  echo "stage $1: skipped (the job was interrupted)"
}

_stages_on_int() {
  _stages_woken=1
  local running=() i names
  if [[ -n $_stages_fg ]]; then running+=("$_stages_fg"); fi
  for i in "${!_stages_bg_names[@]}"; do
    if [[ -n ${_stages_bg_done[i]} || -e $_stages_tmp/${_stages_bg_names[i]}.end ]]; then continue; fi
    running+=("${_stages_bg_names[i]}")
    kill -INT -- "-${_stages_bg_pids[i]}" 2>/dev/null || kill -INT "${_stages_bg_pids[i]}" 2>/dev/null || true
  done
  _stages_join names "${running[@]}"
  if [[ -z $_stages_interrupted ]]; then
    _stages_interrupted=1
    _stages_int_at=${EPOCHREALTIME//[!0-9]/}
    _stages_during=("${running[@]}")
    if ((${#running[@]})); then
      echo "stages: Ctrl-C: no further stage will run; waiting for $names to end (a second Ctrl-C stops a" \
        "rollback, leaving its undo records for the next run)"
    else
      echo "stages: Ctrl-C: no further stage will run"
    fi
  elif ((${#running[@]})); then
    echo "stages: Ctrl-C again: it reaches $names"
  fi
}

# A job that ends without stages_end (set -e, an exit) leaves no background stage running unsignalled.
_stages_on_exit() {
  local i
  for i in "${!_stages_bg_names[@]}"; do
    if [[ -n ${_stages_bg_done[i]} || -e $_stages_tmp/${_stages_bg_names[i]}.end ]]; then continue; fi
    echo "stages: the job ends with ${_stages_bg_names[i]} still running: SIGINT sent to it" \
      "(log: $STAGES_LOGS/${_stages_bg_names[i]}.log)" >&2
    kill -INT -- "-${_stages_bg_pids[i]}" 2>/dev/null || true
  done
  if [[ -n $_stages_tmp ]]; then rm -rf "$_stages_tmp" || true; fi
}

_stages_join() {  # VAR WORD...: the words joined with ", " ("none" for no word) into VAR
  local -n _stages_out=$1
  shift
  if (($# == 0)); then
    _stages_out=none
    return 0
  fi
  local IFS=$'\x1f'
  _stages_out="$*"
  _stages_out=${_stages_out//$'\x1f'/, }
}

_stages_seconds() {  # VAR MICROSECONDS: seconds with one decimal into VAR
  local tenths=$((($2 + 50000) / 100000))
  printf -v "$1" '%d.%d' $((tenths / 10)) $((tenths % 10))
}

_stages_mmss() {  # VAR MICROSECONDS: "Mm SSs" into VAR
  local s=$((($2 + 500000) / 1000000))
  printf -v "$1" '%dm %02ds' $((s / 60)) $((s % 60))
}
