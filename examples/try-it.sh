#!/usr/bin/env bash
# The README's walk ("Try it") against a running demo, step by step; stops at the first answer
# that is not the expected one and prints what came back.
#
#   ./run demo                                 # in one terminal
#   examples/try-it.sh                         # in another: the demo on http://127.0.0.1:8080
#   examples/try-it.sh http://127.0.0.1:9000   # a demo started with --port 9000
#
# Exit 0: every step answered as expected; 1: a step did not (it is named, with the answer);
# 2: no service answers at the address. Needs bash and curl. The walk may run again against the
# same demo: a repeated create of the same CRM record is an update of the record created first
# (200, created="false"), as the service promises (docs/sync.md).
set -euo pipefail

B=${1:-${INTEGRATOR_URL:-http://127.0.0.1:8080}}
B=${B%/}
KEY=${INTEGRATOR_KEY:-demo-key}
EXAMPLES=$(cd "$(dirname "$0")" && pwd)
H="Authorization: Bearer $KEY"
X="Content-Type: application/xml"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

STEP=0
STATUS=""

fail() {
    printf 'FAILED step %d: %s\n  expected: %s\n  answer: HTTP %s\n' "$STEP" "$1" "$2" "$STATUS" >&2
    head -c 2000 "$WORK/body" >&2 || true
    printf '\n' >&2
    exit 1
}

# step NAME STATUSES [PATTERN ...] -- CURL-ARGUMENTS
#   STATUSES: the accepted HTTP statuses, "|"-separated; each PATTERN (grep -E) must be in the body
step() {
    local name=$1 statuses=$2 pattern
    shift 2
    local patterns=()
    while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
    shift
    STEP=$((STEP + 1))
    : > "$WORK/body"
    STATUS=$(curl -sS --max-time 60 -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' "$@") \
        || fail "$name" "an HTTP answer (curl failed)"
    case "|$statuses|" in
        *"|$STATUS|"*) ;;
        *) fail "$name" "HTTP $statuses" ;;
    esac
    for pattern in "${patterns[@]}"; do
        grep -Eq -- "$pattern" "$WORK/body" || fail "$name" "HTTP $statuses with /$pattern/ in the body"
    done
    printf 'ok %2d  %-58s HTTP %s\n' "$STEP" "$name" "$STATUS"
}

# the value of an attribute in the last answer (its first occurrence)
attr() { sed -n "s/.* $1=\"\\([^\"]*\\)\".*/\\1/p" "$WORK/body" | head -n 1; }
# the value of a header of the last answer
header() { tr -d '\r' < "$WORK/headers" | awk -v name="$(tr '[:upper:]' '[:lower:]' <<< "$1")" \
    'BEGIN { FS = ": " } tolower($1) == name { print $2 }'; }

# (not a step of the walk: is anything there?)
if ! curl -sS --max-time 5 -o /dev/null "${B}/health/live" 2>/dev/null; then
    echo "no service answers at $B: start the demo with ./run demo (or pass its address)" >&2
    exit 2
fi

# -- open a session (user "demo", on the user's default set, DEMO-TIGER) --------------------------
step "open a session" 201 '<Session ' 'user="demo"' 'set="DEMO-TIGER"' -- \
    -H "$H" -H "$X" -d '<OpenSession user="demo"/>' "$B/v1/sessions"
S=$(header X-Session)
[ -n "$S" ] || fail "open a session" "the session id in the X-Session header"
[ "$(attr id)" = "$S" ] || fail "open a session" "the same id in the header and the body"
step "who am I" 200 'user="demo"' 'set="DEMO-TIGER"' -- \
    -H "$H" -H "X-Session: $S" "$B/v1/session"

# -- accounts -----------------------------------------------------------------------------------
step "create an account" '201|200' '<Link ref="[0-9]+" code="120\.01\.9001" created="(true|false)"/>' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/account.xml" "$B/v1/accounts"
REF=$(attr ref)
step "search accounts (Turkish case rules: çiğdem)" 200 "ref=\"$REF\" code=\"120\\.01\\.9001\"" -- \
    -H "$H" -H "X-Session: $S" "$B/v1/accounts/search?q=%C3%A7i%C4%9Fdem"
step "read the account as CRM fields" 200 '<Field name="Title">ÇİĞDEM ŞİŞLİ GIDA A\.Ş\.</Field>' -- \
    -H "$H" -H "X-Session: $S" "$B/v1/accounts/$REF"
sed "s/ref=\"602\"/ref=\"$REF\"/" "$EXAMPLES/account-update.xml" > "$WORK/account-update.xml"
step "update the account through its link" 200 "<Link ref=\"$REF\" code=\"120\\.01\\.9001\" created=\"false\"/>" -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$WORK/account-update.xml" "$B/v1/accounts"
step "read it again" 200 '<Field name="Title">ÇİĞDEM ŞİŞLİ GIDA İTHALAT A\.Ş\.</Field>' -- \
    -H "$H" -H "X-Session: $S" "$B/v1/accounts/$REF"
step "a live account statement" 200 '<Statement ref="2"' '<Closing ' -- \
    -H "$H" -H "X-Session: $S" "$B/v1/accounts/2/statement?from=2026-01-01&to=2026-06-30"

# -- products -----------------------------------------------------------------------------------
step "create a product" '201|200' '<Link ref="[0-9]+" code="MLZ-ÇAY-9001" created="(true|false)"/>' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/product.xml" "$B/v1/products"
step "stock of two products in the user's warehouses" 200 '<Stock>' '<Row ref="2"' '<Row ref="3"' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/products-stock.xml" \
    "$B/v1/products/stock"

# -- bulk ---------------------------------------------------------------------------------------
step "bulk CRM -> ERP: one result per record" 200 'crmId="F-2001" status="ok"' \
    'crmId="F-2002" status="ok"' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/accounts-bulk.xml" \
    "$B/v1/accounts/bulk"
step "bulk ERP -> CRM: the first page (şişli)" 200 '<Page count="5" more="true" cursor="' -- \
    -H "$H" -H "X-Session: $S" "$B/v1/accounts?title=%C5%9Fi%C5%9Fli&limit=5"
C=$(attr cursor)
step "bulk ERP -> CRM: the next page, by its cursor" 200 '<Page count="[0-9]+" more="(true|false)"' -- \
    -H "$H" -H "X-Session: $S" "$B/v1/accounts?title=%C5%9Fi%C5%9Fli&limit=5&cursor=$C"

# -- quotes -------------------------------------------------------------------------------------
# The README's "Quotes" steps (the quote transfer, issue 11) go in this function, on the session's
# DEMO-TIGER set, before the switch to Netsis below.
quote_steps() {
    :
}
quote_steps

# -- Netsis -------------------------------------------------------------------------------------
step "switch the session to DEMO-NETSIS" 200 'set="DEMO-NETSIS"' -- \
    -X PUT -H "$H" -H "$X" -d '<SwitchSet set="DEMO-NETSIS"/>' "$B/v1/sessions/$S/set"
step "create the product in Netsis" '201|200' '<Link ref="MLZ-ÇAY-9001" code="MLZ-ÇAY-9001" created="(true|false)"/>' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/product-netsis.xml" "$B/v1/products"

# -- operators: sets, health, catalog ---------------------------------------------------------------
step "a set's ERP and database health" 200 '<SetHealth code="DEMO-TIGER"' 'status="ok"' -- \
    -H "$H" "$B/v1/sets/DEMO-TIGER/health"
step "a set, secrets masked" 200 'securityCode="\*\*\*\*\*\*\*\*"' -- \
    -H "$H" "$B/v1/sets/DEMO-TIGER"
step "the field catalog" 200 '<Catalog erp="tiger" entity="account"' -- \
    -H "$H" "$B/v1/catalog/tiger/account"
step "the CRM pushes a set" '201|200' '<SetSaved code="CRM-TIGER"' -- \
    -X PUT -H "$H" -H "$X" --data-binary @"$EXAMPLES/set.xml" "$B/v1/sets/CRM-TIGER"
step "the sets" 200 'code="CRM-TIGER"[^>]* source="api"' 'code="DEMO-TIGER"' -- \
    -H "$H" "$B/v1/sets"
step "the CRM removes its set" 204 -- \
    -X DELETE -H "$H" "$B/v1/sets/CRM-TIGER"

# -- errors and the end of the session ------------------------------------------------------------
step "an error: a user not permitted on the set" 403 '<Error code="FORBIDDEN" status="403" retryable="false"' -- \
    -H "$H" -H "$X" -d '<OpenSession user="x" set="DEMO-TIGER"/>' "$B/v1/sessions"
step "close the session" 204 -- \
    -X DELETE -H "$H" "$B/v1/sessions/$S"
step "a closed session is gone" 401 '<Error code="SESSION_EXPIRED"' -- \
    -H "$H" -H "X-Session: $S" "$B/v1/session"

echo "all $STEP steps answered as expected"
