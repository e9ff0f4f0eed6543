// A scripted stand-in for the Anthropic Messages API, for running the real Claude Code CLI offline in the
// local real-agent image (a test and demo tool, never part of a production agent).
//
// Usage: local-model -listen 127.0.0.1:PORT -result /abs/path/RESULT.md -log /path/requests.log [-ready FILE]
//
// The script, per request to /v1/messages:
//   - a request whose conversation contains the text "local-model: fail" gets an API error (HTTP 400), so a
//     test can make the agent fail for real;
//   - the first turn (the CLI offers the Write tool and no tool_result exists yet) asks to Write the result file;
//   - every later turn gets a final text answer that starts with "local model:".
// Every request body is appended to the log file as one compact JSON line.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
)

const failMarker = "local-model: fail"

type server struct {
	resultPath string
	logMu      sync.Mutex
	logFile    *os.File
}

type request struct {
	Model    string            `json:"model"`
	Stream   bool              `json:"stream"`
	Messages []json.RawMessage `json:"messages"`
	Tools    []struct {
		Name string `json:"name"`
	} `json:"tools"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8088", "address to listen on (loopback only)")
	result := flag.String("result", "", "absolute path of the file the first turn asks the CLI to write")
	logPath := flag.String("log", "", "file that receives every request body, one per line")
	ready := flag.String("ready", "", "file created once the server listens")
	flag.Parse()
	if *result == "" || *logPath == "" {
		log.Fatal("local-model: -result and -log are required")
	}
	logFile, err := os.OpenFile(*logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		log.Fatalf("local-model: %v", err)
	}
	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("local-model: %v", err)
	}
	if *ready != "" {
		if err := os.WriteFile(*ready, nil, 0o600); err != nil {
			log.Fatalf("local-model: %v", err)
		}
	}
	s := &server{resultPath: *result, logFile: logFile}
	log.Fatal(http.Serve(listener, s))
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	s.record(body)
	if !strings.HasPrefix(r.URL.Path, "/v1/messages") || strings.Contains(r.URL.Path, "count_tokens") {
		writeJSON(w, http.StatusOK, map[string]any{"input_tokens": 10})
		return
	}
	var req request
	_ = json.Unmarshal(body, &req) // an unparsable body is answered like any later turn
	if bytes.Contains(body, []byte(failMarker)) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"type": "error", "error": map[string]any{
			"type": "invalid_request_error", "message": "local model: the task asked this model to fail"}})
		return
	}
	if req.Stream && !hasToolResult(req.Messages) && offersTool(req, "Write") {
		input, _ := json.Marshal(map[string]string{"file_path": s.resultPath, "content": "written by the agent through the local model\n"})
		streamBlocks(w, req.Model, map[string]any{"type": "tool_use", "id": "toolu_local_1", "name": "Write", "input": map[string]any{}},
			map[string]any{"type": "input_json_delta", "partial_json": string(input)}, "tool_use")
		return
	}
	text := "local model: the task was read and RESULT.md was written."
	if req.Stream {
		streamBlocks(w, req.Model, map[string]any{"type": "text", "text": ""},
			map[string]any{"type": "text_delta", "text": text}, "end_turn")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": "msg_local", "type": "message", "role": "assistant", "model": req.Model,
		"content": []any{map[string]any{"type": "text", "text": text}}, "stop_reason": "end_turn",
		"usage": map[string]any{"input_tokens": 10, "output_tokens": 5}})
}

func (s *server) record(body []byte) {
	var line bytes.Buffer
	if json.Compact(&line, body) != nil {
		line.Reset()
		line.WriteString(strings.ReplaceAll(string(body), "\n", " "))
	}
	line.WriteByte('\n')
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = s.logFile.Write(line.Bytes())
}

func hasToolResult(messages []json.RawMessage) bool {
	for _, m := range messages {
		if bytes.Contains(m, []byte(`"tool_result"`)) {
			return true
		}
	}
	return false
}

func offersTool(req request, name string) bool {
	for _, t := range req.Tools {
		if t.Name == name {
			return true
		}
	}
	return false
}

// streamBlocks answers in the Messages API's server-sent events with one content block.
func streamBlocks(w http.ResponseWriter, model string, block, delta map[string]any, stopReason string) {
	events := []struct {
		name string
		data map[string]any
	}{
		{"message_start", map[string]any{"type": "message_start", "message": map[string]any{"id": "msg_local", "type": "message",
			"role": "assistant", "model": model, "content": []any{}, "stop_reason": nil, "stop_sequence": nil,
			"usage": map[string]any{"input_tokens": 10, "output_tokens": 1}}}},
		{"content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": block}},
		{"content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": delta}},
		{"content_block_stop", map[string]any{"type": "content_block_stop", "index": 0}},
		{"message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stopReason, "stop_sequence": nil},
			"usage": map[string]any{"output_tokens": 5}}},
		{"message_stop", map[string]any{"type": "message_stop"}},
	}
	var out bytes.Buffer
	for _, e := range events {
		data, _ := json.Marshal(e.data)
		fmt.Fprintf(&out, "event: %s\ndata: %s\n\n", e.name, data)
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Content-Length", fmt.Sprint(out.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, value any) {
	data, _ := json.Marshal(value)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}
