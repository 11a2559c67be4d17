//! Prints the OpenAPI document that `GET /api/v1/openapi.json` serves,
//! without a server or a database: for generating clients and for seeing
//! what a change does to the contract
//! (`cargo run -q --example openapi | python3 -m json.tool --sort-keys`).

#[allow(clippy::print_stdout)]
fn main() {
    print!("{}", majlis::routes::openapi::DOCUMENT.as_str());
}
