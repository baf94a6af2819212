#!/usr/bin/env bash
# Checks the local OpenSearch (deploy/local/services/opensearch.sh) end to end over HTTP, with
# the features CoLink's search adapter relies on: cluster info, an index with a `standard`
# analyzer and an ngram tokenizer (analysis-common module), indexing with refresh, `_search`
# with `match` and `match_phrase` plus `highlight`, a painless script update (lang-painless)
# and `_delete_by_query` (reindex). Works in a throwaway index that it deletes afterwards.
# Usage: deploy/local/opensearch/search-test.sh   (OPENSEARCH_PORT from lib.sh, default 59200)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=SCRIPTDIR/../lib.sh
source "$here/lib.sh"

url="http://127.0.0.1:$OPENSEARCH_PORT"
index="colink-search-test-$$"
trap 'curl -s -m 10 -X DELETE "$url/$index" >/dev/null 2>&1 || true' EXIT

# os METHOD PATH [JSON]: prints the response body (and "HTTP <code>" if it is not 2xx).
os() {
  local out code
  out="$(curl -s -m 30 -X "$1" "$url$2" -H 'content-type: application/json' ${3:+-d "$3"} -w '\n%{http_code}')" || out=$'\n000'
  code="${out##*$'\n'}"; out="${out%$'\n'*}"
  printf '%s' "$out" | tr -d '\n'
  [[ "$code" == 2?? ]] || printf ' HTTP %s' "$code"
}

passed=0 failed=0
check() { # check NAME EXPECTED_REGEX ACTUAL
  if [[ "$3" =~ $2 ]]; then
    local m="${BASH_REMATCH[0]}"
    (( ${#m} <= 90 )) || m="...${m: -87}" # the end of a long match is the interesting part
    printf 'ok    %-26s %s\n' "$1" "$m"; passed=$((passed + 1))
  else
    printf 'FAIL  %-26s got %s, want /%s/\n' "$1" "${3:0:400}" "$2"; failed=$((failed + 1))
  fi
}

check "cluster info" '"number" *: *"2\.[0-9.]+"' "$(os GET /)"
check "create index" '"acknowledged":true' "$(os PUT "/$index" '{
  "settings": {
    "number_of_shards": 1, "number_of_replicas": 0,
    "analysis": {
      "tokenizer": { "trigram": { "type": "ngram", "min_gram": 3, "max_gram": 3, "token_chars": ["letter", "digit"] } },
      "analyzer": {
        "text_std": { "type": "standard" },
        "text_ngram": { "type": "custom", "tokenizer": "trigram", "filter": ["lowercase"] }
      }
    }
  },
  "mappings": { "properties": {
    "channel": { "type": "keyword" },
    "body": { "type": "text", "analyzer": "text_std", "fields": { "ngram": { "type": "text", "analyzer": "text_ngram" } } }
  } }
}')"
check "ngram analyzer" '"token":"eta".*"token":"tab"' "$(os POST "/$index/_analyze" '{"analyzer":"text_ngram","text":"Metabase"}')"
check "index doc 1" '"result":"created"' "$(os PUT "/$index/_doc/1" '{"channel":"general","body":"The quick brown fox jumps over the lazy dog"}')"
check "index doc 2 (refresh)" '"result":"created"' "$(os PUT "/$index/_doc/2?refresh=true" '{"channel":"random","body":"Brown bread and quick coffee"}')"
check "match + highlight" '"total":\{"value":1,.*"highlight":\{"body":\["The quick brown <em>fox</em>' \
  "$(os POST "/$index/_search" '{"query":{"match":{"body":"fox"}},"highlight":{"fields":{"body":{}}}}')"
check "match_phrase + highlight" '"total":\{"value":1,.*"_id":"1".*<em>quick</em> <em>brown</em>' \
  "$(os POST "/$index/_search" '{"query":{"match_phrase":{"body":"quick brown"}},"highlight":{"fields":{"body":{}}}}')"
check "ngram match + highlight" '"_id":"1".*j<em>umps</em>' \
  "$(os POST "/$index/_search" '{"query":{"match":{"body.ngram":"umps"}},"highlight":{"fields":{"body.ngram":{}}}}')"
check "painless update" '"result":"updated"' \
  "$(os POST "/$index/_update/1?refresh=true" '{"script":{"source":"ctx._source.edits = params.n","params":{"n":1}}}')"
check "delete_by_query" '"deleted":1' \
  "$(os POST "/$index/_delete_by_query?refresh=true" '{"query":{"term":{"channel":"random"}}}')"
check "count after delete" '"count":1' "$(os GET "/$index/_count")"
echo "$passed passed, $failed failed"
(( failed == 0 ))
