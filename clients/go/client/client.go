// Package client dials the feedmesh gateway with the generated gRPC clients of the public API (the packages under
// feedmesh/<svc>/v1) and sends the caller's access token with every call once Login has succeeded.
package client

import (
	"context"
	"errors"
	"sync"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	authv1 "feedmesh/clients/go/feedmesh/auth/v1"
	engagementv1 "feedmesh/clients/go/feedmesh/engagement/v1"
	graphv1 "feedmesh/clients/go/feedmesh/graph/v1"
	mediav1 "feedmesh/clients/go/feedmesh/media/v1"
	notificationv1 "feedmesh/clients/go/feedmesh/notification/v1"
	postv1 "feedmesh/clients/go/feedmesh/post/v1"
	timelinev1 "feedmesh/clients/go/feedmesh/timeline/v1"
)

// DefaultTarget is the gateway `make up` runs (FEEDMESH_GATEWAY_PORT in stack/defaults.env).
const DefaultTarget = "127.0.0.1:8080"

// Client holds one connection to the gateway and a generated client per public service on it.
type Client struct {
	Auth          authv1.AuthServiceClient
	Graph         graphv1.GraphServiceClient
	Posts         postv1.PostServiceClient
	Timeline      timelinev1.TimelineServiceClient
	Engagement    engagementv1.EngagementServiceClient
	Notifications notificationv1.NotificationServiceClient
	Media         mediav1.MediaServiceClient

	conn  *grpc.ClientConn
	token *bearerToken
}

// New connects lazily to the gateway at target ("host:port"). The gateway serves gRPC over plaintext HTTP/2 on its
// port; pass grpc.WithTransportCredentials to reach it through a TLS front instead.
func New(target string, opts ...grpc.DialOption) (*Client, error) {
	token := &bearerToken{}
	options := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(token),
	}, opts...)
	conn, err := grpc.NewClient(target, options...)
	if err != nil {
		return nil, err
	}
	return &Client{
		Auth:          authv1.NewAuthServiceClient(conn),
		Graph:         graphv1.NewGraphServiceClient(conn),
		Posts:         postv1.NewPostServiceClient(conn),
		Timeline:      timelinev1.NewTimelineServiceClient(conn),
		Engagement:    engagementv1.NewEngagementServiceClient(conn),
		Notifications: notificationv1.NewNotificationServiceClient(conn),
		Media:         mediav1.NewMediaServiceClient(conn),
		conn:          conn,
		token:         token,
	}, nil
}

// SignUp registers an account; it does not log in.
func (c *Client) SignUp(ctx context.Context, handle, password, displayName string) (*authv1.User, error) {
	return c.Auth.CreateUser(ctx, &authv1.CreateUserRequest{Handle: handle, Password: password, DisplayName: displayName})
}

// Login opens a session and sends its access token with every later call of this client.
func (c *Client) Login(ctx context.Context, handle, password string) (*authv1.CreateSessionResponse, error) {
	session, err := c.Auth.CreateSession(ctx, &authv1.CreateSessionRequest{Handle: handle, Password: password})
	if err != nil {
		return nil, err
	}
	c.SetToken(session.GetAccessToken())
	return session, nil
}

// SetToken replaces the access token sent with each call ("" sends none); for a token kept from an earlier Login.
func (c *Client) SetToken(token string) { c.token.set(token) }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Reason is the machine-readable reason of a feedmesh error (the google.rpc.ErrorInfo every service error carries,
// e.g. "SELF_RELATIONSHIP"), or "" when err has none (a gateway refusal such as UNAUTHENTICATED has none).
func Reason(err error) string {
	var withStatus interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &withStatus) {
		return ""
	}
	for _, detail := range withStatus.GRPCStatus().Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// bearerToken is the per-call credential: "authorization: Bearer <token>" once a token is set.
type bearerToken struct {
	mu    sync.RWMutex
	value string
}

func (b *bearerToken) set(token string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.value = token
}

func (b *bearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.value == "" {
		return nil, nil
	}
	return map[string]string{"authorization": "Bearer " + b.value}, nil
}

// RequireTransportSecurity is false: the gateway's gRPC port is plaintext (loopback, or behind a TLS front).
func (b *bearerToken) RequireTransportSecurity() bool { return false }
