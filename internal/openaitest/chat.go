package openaitest

import (
	"encoding/json"
	"errors"
	"fmt"

	openai "github.com/sashabaranov/go-openai"
)

// CHRSchemaName is the name of the response_format JSON schema with which
// Kiln's CHR composer (pipeline/chr/llm) asks for a draft.
const CHRSchemaName = "kiln_chr_draft"

// DefaultChat is the chat handler of a new Server. It answers:
//
//   - for response_format json_schema named [CHRSchemaName]: a draft that
//     echoes its input. The last user message must be Kiln's prompt JSON
//     {"sections": [{"key", "facts": [{"id", "text"}], "passages":
//     [{"id", "text"}]}]}; the reply holds, for each section with
//     anything in it, one statement per fact and then one per passage, in
//     order, whose text is the fact's or passage's text and whose only
//     source is its id. A prompt that is not such JSON answers 400.
//   - for any other json_schema: the smallest instance of the schema
//     (objects with their required properties, empty arrays, "" or an
//     enum's first value, 0, false).
//   - for json_object: {}.
//   - otherwise: "ok".
func DefaultChat(req openai.ChatCompletionRequest) (string, error) {
	rf := req.ResponseFormat
	switch {
	case rf != nil && rf.Type == openai.ChatCompletionResponseFormatTypeJSONSchema && rf.JSONSchema != nil:
		if rf.JSONSchema.Name == CHRSchemaName {
			return echoDraft(req)
		}
		schema, err := json.Marshal(rf.JSONSchema.Schema)
		if err != nil {
			return "", &StatusError{Status: 400, Message: "invalid json_schema"}
		}
		var s map[string]any
		if err := json.Unmarshal(schema, &s); err != nil {
			return "", &StatusError{Status: 400, Message: "invalid json_schema"}
		}
		out, err := json.Marshal(minimal(s))
		return string(out), err
	case rf != nil && rf.Type == openai.ChatCompletionResponseFormatTypeJSONObject:
		return "{}", nil
	}
	return "ok", nil
}

type promptItem struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type prompt struct {
	Sections []struct {
		Key      string       `json:"key"`
		Facts    []promptItem `json:"facts"`
		Passages []promptItem `json:"passages"`
	} `json:"sections"`
}

type draftStatement struct {
	Text    string   `json:"text"`
	Sources []string `json:"sources"`
}

type draftSection struct {
	Key        string           `json:"key"`
	Statements []draftStatement `json:"statements"`
}

type draft struct {
	Sections []draftSection `json:"sections"`
}

// echoDraft answers Kiln's CHR prompt with one cited statement per fact
// and passage.
func echoDraft(req openai.ChatCompletionRequest) (string, error) {
	var user string
	for _, m := range req.Messages {
		if m.Role == openai.ChatMessageRoleUser {
			user = m.Content
		}
	}
	var p prompt
	if err := json.Unmarshal([]byte(user), &p); err != nil {
		return "", &StatusError{Status: 400, Message: fmt.Sprintf("openaitest: the user message is not Kiln's CHR prompt JSON: %v", err)}
	}
	if p.Sections == nil {
		return "", &StatusError{Status: 400, Message: "openaitest: the CHR prompt has no sections"}
	}
	d := draft{Sections: []draftSection{}}
	for _, sec := range p.Sections {
		out := draftSection{Key: sec.Key}
		for _, it := range append(append([]promptItem(nil), sec.Facts...), sec.Passages...) {
			out.Statements = append(out.Statements, draftStatement{Text: it.Text, Sources: []string{it.ID}})
		}
		if len(out.Statements) > 0 {
			d.Sections = append(d.Sections, out)
		}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", errors.New("openaitest: encoding the draft failed")
	}
	return string(b), nil
}

// minimal returns the smallest instance of a JSON schema.
func minimal(s map[string]any) any {
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	typ, _ := s["type"].(string)
	if list, ok := s["type"].([]any); ok {
		for _, t := range list {
			if t, _ := t.(string); t != "null" {
				typ = t
				break
			}
		}
	}
	switch typ {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			name, _ := r.(string)
			sub, _ := props[name].(map[string]any)
			out[name] = minimal(sub)
		}
		return out
	case "array":
		return []any{}
	case "string":
		return ""
	case "number", "integer":
		return 0
	case "boolean":
		return false
	}
	return nil
}
