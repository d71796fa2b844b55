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
# the Logo simulator of the demo (its ship hook stands in for the warehouse): the service's port + 1
PORT=${B##*:}
SIM=${INTEGRATOR_SIM_URL:-${B%:*}:$((PORT + 1))}

step "check a quote: stock per line, the account's risk" 200 '<Check set="DEMO-TIGER"' \
    '<Stock action="warn">' '<Line index="1" status="ok" product="GDA\.00001"' '<Risk ' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/quote-check.xml" \
    "$B/v1/quotes/check?stock=1&risk=1"
step "prices from the ERP: the campaign and its discount" 200 '<Prices set="DEMO-TIGER" source="erp"' \
    'campaign="KIS2026"' '<Discount rate="10"' '<Field name="Campaign">KIS2026</Field>' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/quote-check.xml" "$B/v1/prices"
step "transfer a quote: firm and product created first" '201|200' '<Transfer quote="Q-9101"' \
    'as="order"' '(<Link entity="account" crmId="F-9101"|created="false")' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/quote.xml" \
    "$B/v1/quotes/Q-9101/transfer?as=order"
QREF=$(sed -n 's/.*<Transfer [^>]* ref="\([^"]*\)".*/\1/p' "$WORK/body")  # the order's ref
step "the same transfer again: the same order" 200 "ref=\"$QREF\"" 'created="false"' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/quote.xml" \
    "$B/v1/quotes/Q-9101/transfer?as=order"
step "the warehouse ships 1 KG of line 1 (the simulator's hook)" 200 '"shipped_total"' -- \
    -X POST -d "{\"order_ref\": $QREF, \"lines\": [{\"line\": 1, \"quantity\": \"1\"}]}" \
    "$SIM/_sim/ship"
step "shipped and remaining per line" 200 'status="partly-shipped"' \
    '<Line line="1" erpLine="1" product="GDA\.00001" ordered="12" shipped="[0-9]+"' -- \
    -H "$H" -H "X-Session: $S" "$B/v1/quotes/Q-9101/transfer"
step "a shipped order is never deleted" 422 'code="ERP_REJECTED"' -- \
    -X DELETE -H "$H" -H "X-Session: $S" "$B/v1/quotes/Q-9101/transfer"
step "another quote, as a dispatch" '201|200' '<Transfer quote="Q-9102"' 'as="dispatch"' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/quote-dispatch.xml" \
    "$B/v1/quotes/Q-9102/transfer?as=dispatch"
step "the sale is cancelled: the dispatch is deleted" 200 \
    '<Cancelled quote="Q-9102" set="DEMO-TIGER" deleted="true"' -- \
    -X DELETE -H "$H" -H "X-Session: $S" "$B/v1/quotes/Q-9102/transfer"

# -- Netsis -------------------------------------------------------------------------------------
step "switch the session to DEMO-NETSIS" 200 'set="DEMO-NETSIS"' -- \
    -X PUT -H "$H" -H "$X" -d '<SwitchSet set="DEMO-NETSIS"/>' "$B/v1/sessions/$S/set"
step "create the product in Netsis" '201|200' '<Link ref="MLZ-ÇAY-9001" code="MLZ-ÇAY-9001" created="(true|false)"/>' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/product-netsis.xml" "$B/v1/products"
step "Netsis: stock and risk (ARPs/Risk) of a quote" 200 '<Check set="DEMO-NETSIS"' \
    '<Risk action="warn" status="(ok|warn)" source="erp"' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/quote-check-netsis.xml" \
    "$B/v1/quotes/check?stock=1&risk=1"
step "Netsis: prices by stock card with the account's condition" 200 \
    '<Prices set="DEMO-NETSIS" source="erp"' '<Discount rate="5"' -- \
    -H "$H" -H "X-Session: $S" -H "$X" --data-binary @"$EXAMPLES/quote-check-netsis.xml" "$B/v1/prices"

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
