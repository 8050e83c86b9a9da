// A backend in Go that runs IDWise journeys on the project's TypeScript worker, from contract/ and docs/codec.md
// alone: `go-backend journey` starts a journey with a step mapping, answers the retake IDWise asks for (a signed
// journey event, then the progress query, then the provideStepFiles update) and prints the outcome;
// `go-backend encode|decode` run the payload codec over the codec server's JSON ({"payloads": [...]}) on stdin;
// `go-backend verify-event --header H` checks an event body on stdin.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: go-backend journey|encode|decode|verify-event [flags]"))
	}
	codec, err := ParseCodecKeys(os.Getenv("IDWISE_CODEC_KEYS"))
	if err != nil {
		fail(err)
	}
	switch os.Args[1] {
	case "journey":
		err = journey(codec, os.Args[2:])
	case "encode", "decode":
		err = codecCommand(codec, os.Args[1])
	case "verify-event":
		err = verifyCommand(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: use journey, encode, decode or verify-event", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}

// journeyInput is contract/identity-journey.input.schema.json (the fields this backend sends).
type journeyInput struct {
	FlowID      string          `json:"flowId"`
	ReferenceNo string          `json:"referenceNo"`
	Steps       json.RawMessage `json:"steps"`
}

// progress is the part of contract/progress.query.schema.json this backend reads.
type progress struct {
	Stage  string `json:"stage"`
	Retake *struct {
		StepID       string `json:"stepId"`
		AttemptsUsed int    `json:"attemptsUsed"`
	} `json:"retake"`
}

func journey(codec *Codec, args []string) error {
	flags := flag.NewFlagSet("journey", flag.ExitOnError)
	ref := flags.String("ref", "", "reference_no of the applicant")
	flow := flags.String("flow", "", "IDWise flow id")
	mapping := flags.String("mapping", "", "step-to-file mapping (JSON file)")
	retakeImage := flags.String("retake-image", "", "the new photo for a retake")
	retakeImage2 := flags.String("retake-image2", "", "its second side, for a two-sided document")
	eventsBind := flags.String("events-bind", "127.0.0.1:8790", "where journey events (IDWISE_EVENTS_URL) arrive")
	timeout := flags.Duration("timeout", 5*time.Minute, "how long the whole journey may take")
	_ = flags.Parse(args)
	steps, err := os.ReadFile(*mapping)
	if err != nil {
		return fmt.Errorf("--mapping: %w", err)
	}
	secret := os.Getenv("IDWISE_EVENTS_SECRET")
	if secret == "" {
		return errors.New("IDWISE_EVENTS_SECRET is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	events := make(chan JourneyEvent, 16)
	listener, err := net.Listen("tcp", *eventsBind)
	if err != nil {
		return err
	}
	go func() { _ = http.Serve(listener, eventReceiver(secret, events)) }()

	c, err := dial(codec)
	if err != nil {
		return err
	}
	defer c.Close()

	workflowID := "idwise-journey-" + *ref
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflowID,
		TaskQueue:                envOr("TEMPORAL_TASK_QUEUE", "idwise-journeys"),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword("IdwiseReferenceNo").ValueSet(*ref),
			temporal.NewSearchAttributeKeyKeyword("IdwiseFlowId").ValueSet(*flow),
			temporal.NewSearchAttributeKeyKeyword("IdwiseStage").ValueSet("starting"),
		),
	}, "identityJourney", journeyInput{FlowID: *flow, ReferenceNo: *ref, Steps: steps})
	if err != nil {
		return err
	}

	// The worker tells us when IDWise wants a retake; the progress query says which step, the update answers it.
	retakeEvent, err := awaitEvent(ctx, events, "journey.needs-retake")
	if err != nil {
		return err
	}
	var p progress
	query, err := c.QueryWorkflow(ctx, workflowID, "", "progress")
	if err != nil {
		return err
	}
	if err := query.Get(&p); err != nil {
		return err
	}
	if p.Stage != "awaiting-retake" || p.Retake == nil {
		return fmt.Errorf("event %s arrived but the journey is in stage %s", retakeEvent.ID, p.Stage)
	}
	files := map[string]string{"image": *retakeImage}
	if *retakeImage2 != "" {
		files["image2"] = *retakeImage2
	}
	update, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		UpdateName:   "provideStepFiles",
		WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []interface{}{map[string]interface{}{
			"steps": map[string]interface{}{p.Retake.StepID: files},
		}},
	})
	if err != nil {
		return err
	}
	var accepted struct {
		Accepted []string `json:"accepted"`
	}
	if err := update.Get(ctx, &accepted); err != nil {
		return err
	}

	var outcome json.RawMessage
	if err := run.Get(ctx, &outcome); err != nil {
		return err
	}
	decided, err := awaitEvent(ctx, events, "journey.decided")
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"referenceNo":    *ref,
		"retakeStepId":   p.Retake.StepID,
		"stageAtRetake":  p.Stage,
		"accepted":       accepted.Accepted,
		"verifiedEvents": []JourneyEvent{retakeEvent, decided},
		"outcome":        outcome,
	})
}

// dial connects with the codec on every payload and encoded failure attributes, like the TypeScript client.
func dial(codec *Codec) (client.Client, error) {
	dataConverter := converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), codec)
	return client.Dial(client.Options{
		HostPort:      envOr("TEMPORAL_ADDRESS", "localhost:7233"),
		Namespace:     envOr("TEMPORAL_NAMESPACE", "default"),
		DataConverter: dataConverter,
		FailureConverter: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
			DataConverter:          dataConverter,
			EncodeCommonAttributes: true,
		}),
	})
}

func awaitEvent(ctx context.Context, events <-chan JourneyEvent, eventType string) (JourneyEvent, error) {
	for {
		select {
		case event := <-events:
			if event.Type == eventType {
				return event, nil
			}
		case <-ctx.Done():
			return JourneyEvent{}, fmt.Errorf("no %s event: %w", eventType, ctx.Err())
		}
	}
}

// jsonPayload is one payload of the codec server's protocol (bytes as base64, which encoding/json does for []byte).
type jsonPayload struct {
	Metadata map[string][]byte `json:"metadata"`
	Data     []byte            `json:"data"`
}

func codecCommand(codec *Codec, op string) error {
	var body struct {
		Payloads []jsonPayload `json:"payloads"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&body); err != nil {
		return err
	}
	in := make([]*commonpb.Payload, len(body.Payloads))
	for i, p := range body.Payloads {
		in[i] = &commonpb.Payload{Metadata: p.Metadata, Data: p.Data}
	}
	run := codec.Encode
	if op == "decode" {
		run = codec.Decode
	}
	out, err := run(in)
	if err != nil {
		return err
	}
	body.Payloads = make([]jsonPayload, len(out))
	for i, p := range out {
		body.Payloads[i] = jsonPayload{Metadata: p.GetMetadata(), Data: p.GetData()}
	}
	return json.NewEncoder(os.Stdout).Encode(body)
}

// verifyCommand checks one journey event (body on stdin) as the receiver does; exit 1 when it is refused.
func verifyCommand(args []string) error {
	flags := flag.NewFlagSet("verify-event", flag.ExitOnError)
	header := flags.String("header", "", "the idwise-temporal-signature header")
	_ = flags.Parse(args)
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	if err := VerifyJourneyEvent(os.Getenv("IDWISE_EVENTS_SECRET"), *header, body, time.Now()); err != nil {
		return err
	}
	fmt.Println("verified")
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
