// Quickstart: two new accounts through the gateway; one follows the other, who posts; the follower reads the feed.
//
//	go run ./examples/quickstart            # the gateway `make up` runs on 127.0.0.1:8080
//	go run ./examples/quickstart -gateway host:port
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"time"

	authv1 "feedmesh/clients/go/feedmesh/auth/v1"
	graphv1 "feedmesh/clients/go/feedmesh/graph/v1"
	postv1 "feedmesh/clients/go/feedmesh/post/v1"
	timelinev1 "feedmesh/clients/go/feedmesh/timeline/v1"

	"feedmesh/clients/go/client"
)

const password = "correct horse battery"

func main() {
	gateway := flag.String("gateway", client.DefaultTarget, "the gateway's host:port")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// 1. Sign up and log in: each person has their own client, which keeps its session's token.
	alice, aliceSession := signUpAndLogin(ctx, *gateway, "alice_"+suffix())
	bob, bobSession := signUpAndLogin(ctx, *gateway, "bob_"+suffix())

	// 2. Alice follows Bob.
	follow, err := alice.Graph.FollowUser(ctx, &graphv1.FollowUserRequest{UserId: bobSession.GetUserId()})
	check(err, "follow")
	fmt.Printf("alice follows bob: %s\n", follow.GetState())

	// 3. Bob posts.
	post, err := bob.Posts.CreatePost(ctx, &postv1.CreatePostRequest{Text: "hello from Go"})
	check(err, "post")
	fmt.Printf("bob posted %d\n", post.GetId())

	// 4. Alice reads her feed. Delivery is asynchronous (well under a second), so ask again until the post is there.
	for {
		feed, err := alice.Timeline.GetFeed(ctx, &timelinev1.GetFeedRequest{Mode: "chronological", Limit: 20})
		check(err, "feed")
		for _, item := range feed.GetItems() {
			if item.GetPost().GetId() == post.GetId() {
				fmt.Printf("alice's feed (user %d): @%s: %s\n", aliceSession.GetUserId(), item.GetAuthor().GetHandle(), item.GetPost().GetText())
				return
			}
		}
		select {
		case <-ctx.Done():
			log.Fatal("the post did not reach the feed in time")
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func signUpAndLogin(ctx context.Context, gateway, handle string) (*client.Client, *authv1.CreateSessionResponse) {
	c, err := client.New(gateway)
	check(err, "connect")
	_, err = c.SignUp(ctx, handle, password, handle)
	check(err, "sign up "+handle)
	session, err := c.Login(ctx, handle, password)
	check(err, "log in "+handle)
	fmt.Printf("%s signed up and logged in as user %d\n", handle, session.GetUserId())
	return c, session
}

func suffix() string {
	random := make([]byte, 4)
	_, _ = rand.Read(random)
	return hex.EncodeToString(random)
}

func check(err error, what string) {
	if err != nil {
		// the reason names the rule that refused the call, e.g. HANDLE_TAKEN, SELF_RELATIONSHIP
		log.Fatalf("%s: %v (reason %q)", what, err, client.Reason(err))
	}
}
