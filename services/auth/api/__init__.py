"""Auth's gRPC servicer."""
