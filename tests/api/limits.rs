//! Bounds the API documents (infra/openapi.yaml) that the code enforces: what a client can
//! send, and what an answer can hold.

use portal::app::catalog::MAX_PRODUCTS;
use portal::domain::catalog::{Product, ProductId};
use portal::ports::calls::*;
use portal_tests::{spawn_app, unique_domain};
use serde_json::{Value, json};

#[tokio::test]
async fn a_password_longer_than_any_the_portal_sets_is_refused_like_a_wrong_one() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response =
        app.post_json("/auth/login", None, &json!({"email": app.admin_email, "password": "p".repeat(129)})).await;

    // Assert
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_credentials");
}

#[tokio::test]
async fn the_catalog_takes_no_product_beyond_its_bound() {
    // Arrange: a full catalog
    let app = spawn_app().await;
    let existing = app.stack.app.store.all_products().await.unwrap().len();
    let fillers: Vec<Product> = (existing..MAX_PRODUCTS)
        .map(|n| Product {
            product_id: ProductId::parse(&format!("filler-{n}")).unwrap(),
            name: format!("Filler {n}"),
            section: "Fillers".into(),
            description: None,
            position: 10_000 + u32::try_from(n).unwrap(),
            retired: false,
        })
        .collect();
    app.stack.app.store.seed_catalog(&fillers).await.unwrap();
    let admin = app.admin_token().await;
    let body = json!({"name": "One too many", "section": "Fillers"});

    // Act
    let added = app.put_json("/admin/catalog/one-too-many", Some(&admin), &body).await;
    let changed =
        app.put_json("/admin/catalog/filler-99", Some(&admin), &json!({"name": "Renamed", "section": "Fillers"})).await;

    // Assert: no new product, but existing ones still change
    assert_eq!(added.status(), 409);
    let error: Value = added.json().await.unwrap();
    assert_eq!(error["error"], "catalog_full");
    assert_eq!(changed.status(), 200);
}

#[tokio::test]
async fn a_product_request_shows_the_latest_50_events_of_its_history() {
    // Arrange: a partner sets a priority 52 times on a product its customer requested
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("owner@{}", unique_domain()), "Globex").await;
    let partner = app.onboard_partner(&customer, &format!("pat@{}", unique_domain()), "Pat Resellers").await;
    let business_id = app.own_business_id(&customer).await;
    app.make_active(&partner, &business_id).await;
    assert_eq!(
        app.post_json("/business/products/zpa-business/request", Some(&customer), &json!({})).await.status(),
        201
    );
    for n in 0..52 {
        let priority = json!({"priority": n % 5 + 1});
        let set = app.put_json("/business/products/zpa-business/priority", Some(&partner), &priority).await;
        assert_eq!(set.status(), 200);
    }

    // Act
    let page = app.get_json("/business/product-requests", &customer).await;

    // Assert: 53 events happened; the answer holds the latest 50, oldest first
    let item = page["items"].as_array().unwrap().iter().find(|i| i["product_id"] == "zpa-business").unwrap();
    let history = item["history"].as_array().unwrap();
    assert_eq!(history.len(), 50);
    assert_eq!(history.last().unwrap()["priority"], 52 % 5);
    assert!(history.iter().all(|e| e["action"] == "priority_set"), "the request event is the oldest, left out");
}
