# Shared by scripts/test: runs the README's run command as a new user would (from the repository
# root), on a database in a temporary folder and a free port given through the environment, until
# /healthz answers and an account the command printed logs in; then stops it. `--release` is
# dropped so the debug build the tests made is reused.

# The first `cargo run` line of README.md, without its comment.
readme_run_command() {
  grep -m1 -E '^cargo run' README.md | sed -E 's/[[:space:]]+#.*$//; s/ --release//'
}

check_readme_run_command() {
  local command dir port pid phone password status
  command=$(readme_run_command)
  [ -n "$command" ] || { echo "README.md has no 'cargo run' line" >&2; return 1; }
  dir=$(mktemp -d)
  port=$(free_port)
  log "the README's run command: $command (database in $dir, port $port)"
  HONGMAJIA_DATABASE_URL="sqlite://$dir/readme.db" HONGMAJIA_BIND="127.0.0.1:$port" \
    setsid bash -c "exec $command" >"$dir/out" 2>"$dir/err" </dev/null &
  pid=$!
  status=1
  for _ in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the README's run command exited early:" >&2
      tail -n 20 "$dir/err" "$dir/out" >&2
      break
    fi
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
      read -r phone password < <(awk '$1 == "center-admin" { print $(NF - 1), $NF; exit }' "$dir/out")
      if [ -n "${password:-}" ] && curl -fsS -o /dev/null -H 'content-type: application/json' \
        -d "{\"phone\": \"$phone\", \"password\": \"$password\"}" \
        "http://127.0.0.1:$port/api/v1/auth/token"; then
        log "the README's run command serves, and its printed center-admin $phone logs in"
        status=0
      else
        echo "the README's run command serves, but no printed account logs in:" >&2
        cat "$dir/out" >&2
      fi
      break
    fi
    sleep 1
  done
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  return "$status"
}
