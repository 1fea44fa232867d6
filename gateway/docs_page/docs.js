// The API reference page: Swagger UI (npm swagger-ui-dist, served by the gateway from the npm cache) on the
// document the gateway serves at /openapi.json. "Authorize" takes the accessToken of POST /v1/sessions.
window.addEventListener("load", () => {
  window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#reference",
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
});
