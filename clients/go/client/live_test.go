package client_test

// The client against the running gateway (`make up`): two people sign up and log in, one follows the other, who
// posts, and the post shows in the follower's home feed. With no gateway listening the test is skipped, unless
// FEEDMESH_CLIENTS_REQUIRE_GATEWAY=1 (tests/e2e/test_clients.py sets it: in `make test` the stack is up).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	authv1 "feedmesh/clients/go/feedmesh/auth/v1"
	graphv1 "feedmesh/clients/go/feedmesh/graph/v1"
	postv1 "feedmesh/clients/go/feedmesh/post/v1"
	timelinev1 "feedmesh/clients/go/feedmesh/timeline/v1"

	"feedmesh/clients/go/client"
)

const (
	password = "correct horse battery"
	// far above the feed's freshness target: a post not there by then is lost
	deliveryWithin = 15 * time.Second
	// the gateway's public budget (register, log in) is 30 a minute per address and refills each minute
	publicBudgetWait = 65 * time.Second
	pollEvery        = 100 * time.Millisecond
)

func gatewayTarget() string {
	if addr := os.Getenv("FEEDMESH_GATEWAY_ADDR"); addr != "" {
		return addr
	}
	if port := os.Getenv("FEEDMESH_GATEWAY_PORT"); port != "" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return client.DefaultTarget
}

func connect(t *testing.T) *client.Client {
	t.Helper()
	target := gatewayTarget()
	probe, err := net.DialTimeout("tcp", target, 2*time.Second)
	if err != nil {
		if os.Getenv("FEEDMESH_CLIENTS_REQUIRE_GATEWAY") == "1" {
			t.Fatalf("no gateway at %s: %v", target, err)
		}
		t.Skipf("no gateway at %s (start the stack with `make up`, or set FEEDMESH_GATEWAY_ADDR): %v", target, err)
	}
	probe.Close()
	c, err := client.New(target)
	if err != nil {
		t.Fatalf("client.New(%s): %v", target, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// eventually calls attempt until it succeeds, returns an error for which retry is false, or the deadline passes.
func eventually[T any](ctx context.Context, within time.Duration, retry func(error) bool, attempt func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		got, err := attempt(ctx)
		if err == nil || !retry(err) {
			return got, err
		}
		select {
		case <-ctx.Done():
			return got, err
		case <-time.After(pollEvery):
		}
	}
}

func overBudget(err error) bool { return status.Code(err) == codes.ResourceExhausted }

func newHandle(t *testing.T) string {
	t.Helper()
	random := make([]byte, 6)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	return "go_" + hex.EncodeToString(random)
}

// signUpAndLogin registers a fresh account through the gateway and logs its client in.
func signUpAndLogin(ctx context.Context, t *testing.T) (*client.Client, *authv1.CreateSessionResponse) {
	t.Helper()
	c := connect(t)
	handle := newHandle(t)
	user, err := eventually(ctx, publicBudgetWait, overBudget, func(ctx context.Context) (*authv1.User, error) {
		return c.SignUp(ctx, handle, password, "Go "+handle)
	})
	if err != nil {
		t.Fatalf("SignUp(%s): %v", handle, err)
	}
	if user.GetHandle() != handle || user.GetId() == 0 {
		t.Fatalf("SignUp(%s) returned %v", handle, user)
	}
	session, err := eventually(ctx, publicBudgetWait, overBudget, func(ctx context.Context) (*authv1.CreateSessionResponse, error) {
		return c.Login(ctx, handle, password)
	})
	if err != nil {
		t.Fatalf("Login(%s): %v", handle, err)
	}
	if session.GetUserId() != user.GetId() || session.GetAccessToken() == "" {
		t.Fatalf("Login(%s) returned user %d, token %q; want user %d", handle, session.GetUserId(), session.GetAccessToken(), user.GetId())
	}
	return c, session
}

func TestFollowPostAndReadTheFeed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	reader, readerSession := signUpAndLogin(ctx, t)
	author, authorSession := signUpAndLogin(ctx, t)

	me, err := reader.Graph.GetCurrentUser(ctx, &graphv1.GetCurrentUserRequest{})
	if err != nil || me.GetId() != readerSession.GetUserId() {
		t.Fatalf("GetCurrentUser = %v, %v; want user %d", me, err, readerSession.GetUserId())
	}
	follow, err := reader.Graph.FollowUser(ctx, &graphv1.FollowUserRequest{UserId: authorSession.GetUserId()})
	if err != nil || follow.GetState() != graphv1.FollowState_FOLLOWING {
		t.Fatalf("FollowUser = %v, %v; want FOLLOWING", follow, err)
	}
	post, err := author.Posts.CreatePost(ctx, &postv1.CreatePostRequest{Text: "hello from the Go client"})
	if err != nil {
		t.Fatalf("CreatePost: %v", err)
	}

	errNotYet := status.Error(codes.NotFound, "the post is not in the feed yet")
	item, err := eventually(ctx, deliveryWithin, func(err error) bool { return err == errNotYet }, func(ctx context.Context) (*timelinev1.FeedItem, error) {
		feed, err := reader.Timeline.GetFeed(ctx, &timelinev1.GetFeedRequest{Mode: "chronological", Limit: 20})
		if err != nil {
			return nil, err
		}
		for _, item := range feed.GetItems() {
			if item.GetPost().GetId() == post.GetId() {
				return item, nil
			}
		}
		return nil, errNotYet
	})
	if err != nil {
		t.Fatalf("post %d not in the follower's feed within %s: %v", post.GetId(), deliveryWithin, err)
	}
	if item.GetPost().GetText() != "hello from the Go client" || item.GetAuthor().GetId() != authorSession.GetUserId() {
		t.Fatalf("feed item = %v; want the post by user %d", item, authorSession.GetUserId())
	}
}

func TestErrorsCarryTheirStatusAndReason(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	anonymous := connect(t)
	if _, err := anonymous.Timeline.GetFeed(ctx, &timelinev1.GetFeedRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("GetFeed without a token: %v; want UNAUTHENTICATED from the gateway", err)
	}
	c, session := signUpAndLogin(ctx, t)
	_, err := c.Graph.FollowUser(ctx, &graphv1.FollowUserRequest{UserId: session.GetUserId()})
	if status.Code(err) != codes.InvalidArgument || client.Reason(err) != "SELF_RELATIONSHIP" {
		t.Fatalf("following oneself: %v (reason %q); want INVALID_ARGUMENT, SELF_RELATIONSHIP", err, client.Reason(err))
	}
}
