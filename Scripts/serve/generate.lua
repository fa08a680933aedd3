-- wrk script: POST /v1/generate with a small request (1 bar, a new seed each time), and a
-- one-line JSON summary at the end for Scripts/bench.sh serve.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "audio/midi"
local genres = { "classical", "pop", "jazz", "folk", "game", "electronic" }
local counter = 0

request = function()
  counter = counter + 1
  local genre = genres[(counter % #genres) + 1]
  return wrk.format(nil, nil, nil, string.format('{"genre":"%s","bars":1,"seed":%d}', genre, counter))
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.3f,"rps":%.2f,"p50_ms":%.1f,"p99_ms":%.1f,"max_ms":%.1f,' ..
    '"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end
