// Starts Swagger UI on /docs against the server's own OpenAPI document.
// Kept in a file (not inline) so the page's Content-Security-Policy can
// forbid inline scripts.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
  });
});
