//! The partner dashboard through HTTP: the customer list and the active business, the
//! Business Profile, the catalog, notes and priorities, product requests and quotes, and
//! health checks.

use portal_tests::{TestApp, spawn_app, unique_domain};
use serde_json::{Value, json};

/// Customers Globex and Initech, and one partner (Pat Resellers) linked to both.
struct TwoCustomers {
    app: TestApp,
    globex: String,
    globex_id: String,
    globex_email: String,
    partner_email: String,
    initech: String,
    initech_id: String,
    partner: String,
}

async fn two_customers_and_a_partner() -> TwoCustomers {
    let app = spawn_app().await;
    let (globex_email, initech_email) = (format!("hank@{}", unique_domain()), format!("bill@{}", unique_domain()));
    let (globex, initech) =
        tokio::join!(app.onboard_customer(&globex_email, "Globex"), app.onboard_customer(&initech_email, "Initech"));
    let partner_email = format!("pat@{}", unique_domain());
    let partner = app.onboard_partner(&globex, &partner_email, "Pat Resellers").await;
    app.link_partner(&initech, &partner_email).await;
    let (globex_id, initech_id) = tokio::join!(app.own_business_id(&globex), app.own_business_id(&initech));
    TwoCustomers { app, globex, globex_id, globex_email, partner_email, initech, initech_id, partner }
}

fn product<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array().into_iter().flatten().find(|p| p["product_id"] == id).unwrap_or(&Value::Null)
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array().into_iter().flatten().filter_map(|p| p["product_id"].as_str()).collect()
}

#[tokio::test]
async fn a_partner_lists_its_customers_and_the_business_it_makes_active_survives_logout() {
    // Arrange
    let t = two_customers_and_a_partner().await;
    let app = &t.app;

    // Act: before choosing, then after choosing Globex
    let before = app.get_json("/partner/customers", &t.partner).await;
    let no_choice = app.get("/business/profile", Some(&t.partner)).await;
    let chosen = app.put_json("/partner/active-business", Some(&t.partner), &json!({"business_id": t.globex_id})).await;
    let chosen_status = chosen.status();
    let chosen: Value = chosen.json().await.unwrap();
    let after = app.get_json("/partner/customers", &t.partner).await;

    // Assert: both customers listed, one active, the choice drives the business routes
    assert_eq!(before["items"].as_array().unwrap().len(), 2);
    assert!(before["active_business_id"].is_null());
    assert!(before["items"].as_array().unwrap().iter().all(|c| c["active"] == false));
    assert_eq!(no_choice.status(), 409);
    assert_eq!(no_choice.json::<Value>().await.unwrap()["error"], "no_active_business");
    // The answer is the choice as written (the client named the business from the list).
    assert_eq!(chosen_status, 200);
    assert_eq!(chosen, json!({"business_id": t.globex_id, "active": true}));
    assert_eq!(after["active_business_id"], t.globex_id.as_str());
    let active: Vec<_> = after["items"].as_array().unwrap().iter().filter(|c| c["active"] == true).collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["business_name"], "Globex");
    assert_eq!(app.get_json("/business/profile", &t.partner).await["name"], "Globex");

    // The choice survives logout: a new session still works on Globex.
    let again = app.token(&t.partner_email, portal_tests::PASSWORD).await;
    assert_ne!(again, t.partner);
    assert_eq!(app.get_json("/partner/customers", &again).await["active_business_id"], t.globex_id.as_str());
    assert_eq!(app.get_json("/business/profile", &again).await["business_id"], t.globex_id.as_str());

    // Switching moves every business route to Initech.
    app.make_active(&t.partner, &t.initech_id).await;
    assert_eq!(app.get_json("/business/profile", &t.partner).await["name"], "Initech");

    // Pagination: one customer per page, a cursor to the next, a forged cursor refused.
    let first = app.get_json("/partner/customers?limit=1", &t.partner).await;
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let second = app.get_json(&format!("/partner/customers?limit=1&cursor={cursor}"), &t.partner).await;
    assert_ne!(first["items"][0]["business_id"], second["items"][0]["business_id"]);
    assert_eq!(app.get("/partner/customers?cursor=bm90LW91cnM", Some(&t.partner)).await.status(), 400);

    // A business the partner is not linked to is a 404, and customers have no customer list.
    let stranger = app
        .put_json(
            "/partner/active-business",
            Some(&t.partner),
            &json!({"business_id": uuid::Uuid::new_v4().to_string()}),
        )
        .await;
    assert_eq!(stranger.status(), 404);
    assert_eq!(app.get("/partner/customers", Some(&t.globex)).await.status(), 403);
    assert_eq!(
        app.put_json("/partner/active-business", Some(&t.globex), &json!({"business_id": t.initech_id})).await.status(),
        403
    );
}

#[tokio::test]
async fn the_customer_and_its_active_partner_edit_the_profile_field_by_field_and_stale_edits_get_409() {
    // Arrange
    let t = two_customers_and_a_partner().await;
    let app = &t.app;
    app.make_active(&t.partner, &t.globex_id).await;
    let pending = format!("sam@{}", unique_domain());
    app.post_json(
        "/partners/invitations",
        Some(&t.globex),
        &json!({"business_name": "Sam Consulting", "email": pending, "partner_type": "professional"}),
    )
    .await;
    let edit = |version: u64, name: &str| {
        json!({"version": version, "name": name, "website": "globex.example", "phone": "+1 555 0100",
               "address": {"street": "1 Cypress Creek", "city": "Springfield", "country": "US"},
               "industry": "Energy", "employee_count": 1200,
               "contacts": [{"name": "Hank Scorpio", "email": "hank@globex.example", "title": "CEO"}]})
    };

    // Act
    let loaded = app.get_json("/business/profile", &t.globex).await;
    let by_customer = app.put_json("/business/profile", Some(&t.globex), &edit(0, "Globex Corporation")).await;
    let stale = app.put_json("/business/profile", Some(&t.partner), &edit(0, "Globex Stale")).await;
    let by_partner = app.put_json("/business/profile", Some(&t.partner), &edit(1, "Globex Intl")).await;
    let invalid = app
        .put_json(
            "/business/profile",
            Some(&t.globex),
            &json!({"version": 2, "name": "", "website": "not a site", "employee_count": "many",
                    "address": {"postal_code": "x".repeat(30)}, "contacts": [{"name": "No Mail", "email": "nope"}]}),
        )
        .await;

    // Assert: the landing page shows every section, including My Partner
    assert_eq!(loaded["version"], 0);
    assert_eq!(loaded["name"], "Globex");
    assert_eq!(loaded["my_partner"]["partners"][0]["business_name"], "Pat Resellers");
    assert!(loaded["my_partner"]["invitations"].as_array().unwrap().iter().any(|i| i["email"] == pending.as_str()));
    assert_eq!(by_customer.status(), 200);
    assert_eq!(by_customer.json::<Value>().await.unwrap()["version"], 1);
    assert_eq!(stale.status(), 409);
    assert_eq!(stale.json::<Value>().await.unwrap()["error"], "version_conflict");
    assert_eq!(by_partner.status(), 200);
    let saved = app.get_json("/business/profile", &t.globex).await;
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["name"], "Globex Intl");
    assert_eq!(saved["website"], "https://globex.example/");
    assert_eq!(saved["address"]["city"], "Springfield");
    assert_eq!(saved["employee_count"], 1200);
    assert_eq!(saved["contacts"][0]["email"], "hank@globex.example");
    assert_eq!(invalid.status(), 422);
    let fields = &invalid.json::<Value>().await.unwrap()["fields"];
    for field in ["name", "website", "employee_count", "address.postal_code", "contacts[0].email"] {
        assert!(fields[field].is_string(), "{field}: {fields}");
    }
    assert_eq!(app.get_json("/business/profile", &t.globex).await["version"], 2, "a refused edit writes nothing");
    // The new name reaches the partner's customer list; Initech's profile is untouched.
    let customers = app.get_json("/partner/customers", &t.partner).await;
    assert!(customers["items"].as_array().unwrap().iter().any(|c| c["business_name"] == "Globex Intl"));
    let initech = app.get_json("/business/profile", &t.initech).await;
    assert_eq!(initech["name"], "Initech");
    assert_eq!(initech["version"], 0);
}

#[tokio::test]
async fn the_catalog_ships_the_zscaler_families_and_admins_add_rename_and_retire_products() {
    // Arrange
    let app = spawn_app().await;
    let customer = app.onboard_customer(&format!("hank@{}", unique_domain()), "Globex").await;
    let admin = app.admin_token().await;

    // Act
    let shipped = app.get_json("/catalog?limit=100", &customer).await;
    let added = app
        .put_json(
            "/admin/catalog/zia-custom",
            Some(&admin),
            &json!({"name": "ZIA Custom", "section": "Internet Access"}),
        )
        .await;
    let renamed = app
        .put_json(
            "/admin/catalog/zia-custom",
            Some(&admin),
            &json!({"name": "ZIA Bespoke", "section": "Internet Access"}),
        )
        .await;
    let retired = app
        .put_json(
            "/admin/catalog/zdx-ucaas",
            Some(&admin),
            &json!({"name": "ZDX UCaaS", "section": "Digital Experience", "retired": true}),
        )
        .await;
    let by_customer = app.put_json("/admin/catalog/x", Some(&customer), &json!({"name": "X", "section": "Y"})).await;
    let invalid = app.put_json("/admin/catalog/bad", Some(&admin), &json!({"name": "", "section": ""})).await;

    // Assert
    let sections: Vec<&str> =
        shipped["items"].as_array().unwrap().iter().filter_map(|p| p["section"].as_str()).collect();
    for family in ["Internet Access", "Private Access", "Digital Experience", "Data Protection", "Risk and Posture"] {
        assert!(sections.contains(&family), "{family}");
    }
    assert_eq!(product(&shipped["items"], "zpa-business")["section"], "Private Access");
    assert_eq!(added.status(), 201);
    assert_eq!(renamed.status(), 200);
    assert_eq!(retired.status(), 200);
    assert_eq!(by_customer.status(), 403);
    assert_eq!(invalid.status(), 422);
    let for_customer = app.get_json("/catalog?limit=100", &customer).await;
    assert_eq!(product(&for_customer["items"], "zia-custom")["name"], "ZIA Bespoke");
    assert!(product(&for_customer["items"], "zdx-ucaas").is_null(), "retired products are not offered");
    assert_eq!(product(&app.get_json("/catalog?limit=100", &admin).await["items"], "zdx-ucaas")["retired"], true);
    let products = app.get_json("/business/products", &customer).await;
    assert!(!ids(&products["all_products"]).contains(&"zdx-ucaas"));
    assert!(ids(&products["all_products"]).contains(&"zia-custom"));
    // Pages follow each other without overlap.
    let first = app.get_json("/catalog?limit=5", &customer).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app.get_json(&format!("/catalog?limit=5&cursor={cursor}"), &customer).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 5);
    assert!(ids(&second["items"]).iter().all(|id| !ids(&first["items"]).contains(id)));
}

#[tokio::test]
async fn notes_and_priorities_set_on_one_customer_are_never_visible_on_another() {
    // Arrange
    let t = two_customers_and_a_partner().await;
    let app = &t.app;
    app.make_active(&t.partner, &t.globex_id).await;

    // Act: the partner works on Globex
    let note = app
        .put_json(
            "/business/products/dlp-advanced/note",
            Some(&t.partner),
            &json!({"note": "EDM fits their PCI scope.\nAsk about IDM."}),
        )
        .await;
    for (id, priority) in [("zdx-advanced", 3), ("zpa-business", 1), ("casb-inline", 2)] {
        let set = app
            .put_json(&format!("/business/products/{id}/priority"), Some(&t.partner), &json!({"priority": priority}))
            .await;
        assert_eq!(set.status(), 200, "{id}");
    }
    let no_suggestion = app
        .put_json("/business/products/zpa-business/priority", Some(&t.partner), &json!({"no_suggestion": true}))
        .await;
    let mut out_of_range = Vec::new();
    for bad in [json!({"priority": 0}), json!({"priority": 6}), json!({"priority": "high"}), json!({})] {
        out_of_range.push(app.put_json("/business/products/zia-business/priority", Some(&t.partner), &bad).await);
    }
    let by_customer =
        app.put_json("/business/products/zia-business/note", Some(&t.globex), &json!({"note": "mine"})).await;
    let unknown =
        app.put_json("/business/products/no-such-product/note", Some(&t.partner), &json!({"note": "x"})).await;

    // Assert: Globex sees the note and the priorities in order; No Suggestion moved ZPA
    assert_eq!(note.status(), 200);
    assert_eq!(no_suggestion.status(), 200);
    for response in out_of_range {
        assert_eq!(response.status(), 422);
        assert!(response.json::<Value>().await.unwrap()["fields"]["priority"].is_string());
    }
    assert_eq!(by_customer.status(), 403);
    assert_eq!(unknown.status(), 404);
    let globex = app.get_json("/business/products", &t.globex).await;
    assert_eq!(ids(&globex["potential_upgrades"]), vec!["casb-inline", "zdx-advanced"]);
    assert_eq!(product(&globex["potential_upgrades"], "casb-inline")["priority"], 2);
    let zpa = product(&globex["all_products"], "zpa-business");
    assert_eq!(zpa["no_suggestion"], true);
    assert!(zpa["priority"].is_null());
    let dlp = product(&globex["all_products"], "dlp-advanced");
    assert_eq!(dlp["note"], "EDM fits their PCI scope.\nAsk about IDM.");
    assert_eq!(dlp["note_by"]["role"], "partner");
    assert_eq!(product(&globex["all_products"], "zia-business")["priority"], Value::Null);
    // The same partner on Initech, and Initech itself, see none of it.
    for view in [app.get_json("/business/products", &t.initech).await, {
        app.make_active(&t.partner, &t.initech_id).await;
        app.get_json("/business/products", &t.partner).await
    }] {
        assert!(view["potential_upgrades"].as_array().unwrap().is_empty(), "{view}");
        let all = view["all_products"].as_array().unwrap();
        assert!(all.iter().all(|p| p["note"].is_null() && p["no_suggestion"] == false), "{view}");
    }
}

#[tokio::test]
async fn the_request_page_shows_who_did_what_and_a_quote_needs_a_requested_product() {
    // Arrange
    let t = two_customers_and_a_partner().await;
    let app = &t.app;
    app.make_active(&t.partner, &t.globex_id).await;

    // Act
    let requested = app.post_json("/business/products/zdx-advanced/request", Some(&t.globex), &json!({})).await;
    let again = app.post_json("/business/products/zdx-advanced/request", Some(&t.globex), &json!({})).await;
    app.put_json("/business/products/zpa-business/priority", Some(&t.partner), &json!({"priority": 1})).await;
    app.put_json("/business/products/zia-business/note", Some(&t.partner), &json!({"note": "only a note"})).await;
    let unrequested =
        app.post_json("/business/product-requests/zpa-business/quote", Some(&t.partner), &json!({})).await;
    let quote = app
        .post_json(
            "/business/product-requests/zdx-advanced/quote",
            Some(&t.partner),
            &json!({"message": "500 seats, three years."}),
        )
        .await;
    let by_partner = app.post_json("/business/products/zia-business/request", Some(&t.partner), &json!({})).await;
    let by_customer = app.post_json("/business/product-requests/zdx-advanced/quote", Some(&t.globex), &json!({})).await;

    // Assert
    assert_eq!(requested.status(), 201);
    assert_eq!(again.status(), 200);
    assert_eq!(unrequested.status(), 409);
    let refused = unrequested.json::<Value>().await.unwrap();
    assert_eq!(refused["error"], "product_not_requested");
    assert!(refused["message"].as_str().unwrap().contains("has not requested"));
    assert_eq!(quote.status(), 201);
    assert_eq!(quote.json::<Value>().await.unwrap()["status"], "requested");
    assert_eq!(by_partner.status(), 403);
    assert_eq!(by_customer.status(), 403);
    let page = app.get_json("/business/product-requests", &t.partner).await;
    assert_eq!(page, app.get_json("/business/product-requests", &t.globex).await, "both see the same page");
    assert_eq!(ids(&page["items"]), vec!["zdx-advanced", "zpa-business"], "a product with only a note is not listed");
    let zdx = product(&page["items"], "zdx-advanced");
    assert_eq!(zdx["requested"], true);
    assert_eq!(zdx["requested_by"]["role"], "customer");
    assert_eq!(zdx["quote"]["status"], "requested");
    let actions: Vec<_> = zdx["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["requested", "quote_requested"]);
    assert_eq!(zdx["history"][1]["by"]["role"], "partner");
    assert!(zdx["history"][1]["at"].is_string());
    let zpa = product(&page["items"], "zpa-business");
    assert_eq!((zpa["requested"].clone(), zpa["priority"].clone()), (json!(false), json!(1)));
    assert_eq!(zpa["history"][0]["action"], "priority_set");
    // One page at a time.
    let first = app.get_json("/business/product-requests?limit=1", &t.globex).await;
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = app.get_json(&format!("/business/product-requests?limit=1&cursor={cursor}"), &t.globex).await;
    assert_eq!(ids(&first["items"]), vec!["zdx-advanced"]);
    assert_eq!(ids(&second["items"]), vec!["zpa-business"]);
    // The quote was emailed to the admins and to the customer who requested the product.
    for to in [app.admin_email.as_str(), t.globex_email.as_str()] {
        let email = app.wait_for_email(to, "Quote requested").await;
        // What people typed (names) is in the body, never in the subject.
        assert_eq!(email.subject, "Quote requested in the Partner Portal");
        assert!(email.text.contains("ZDX Advanced") && email.text.contains("Globex"), "{}", email.text);
        assert!(email.text.contains("500 seats, three years.") && email.text.contains("Pat Resellers"));
    }
    assert_eq!(
        app.emails_to(&t.globex_email).await.iter().filter(|e| e.subject.contains("Quote requested")).count(),
        1
    );
    // Initech's request page is empty.
    assert!(app.get_json("/business/product-requests", &t.initech).await["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn admins_write_health_checks_that_customers_and_partners_only_read() {
    // Arrange
    let t = two_customers_and_a_partner().await;
    let app = &t.app;
    app.make_active(&t.partner, &t.globex_id).await;
    let admin = app.admin_token().await;
    let check = json!({"score": 82, "status": "needs_attention", "findings": "SSL inspection off for 30% of traffic.",
                       "checked_on": "2026-03-02"});
    let path = |kind: &str| format!("/admin/businesses/{}/health-checks/{kind}", t.globex_id);

    // Act
    let cm360 = app.put_json(&path("cm360"), Some(&admin), &check).await;
    let zscaler = app
        .put_json(
            &path("zscaler"),
            Some(&admin),
            &json!({"score": 95, "status": "healthy", "checked_on": "2026-03-03"}),
        )
        .await;
    let edited = app
        .put_json(
            &path("zscaler"),
            Some(&admin),
            &json!({"score": 60, "status": "critical", "checked_on": "2026-03-04"}),
        )
        .await;
    let invalid = app
        .put_json(&path("cm360"), Some(&admin), &json!({"score": 101, "status": "great", "checked_on": "31/03/2026"}))
        .await;
    let unknown_kind = app.put_json(&path("other"), Some(&admin), &check).await;
    let unknown_business = app
        .put_json(&format!("/admin/businesses/{}/health-checks/cm360", uuid::Uuid::new_v4()), Some(&admin), &check)
        .await;
    let by_customer = app.put_json(&path("cm360"), Some(&t.globex), &check).await;
    let by_partner = app.put_json(&path("cm360"), Some(&t.partner), &check).await;

    // Assert
    for saved in [&cm360, &zscaler, &edited] {
        assert_eq!(saved.status(), 200);
    }
    assert_eq!(invalid.status(), 422);
    let fields = &invalid.json::<Value>().await.unwrap()["fields"];
    for field in ["score", "status", "checked_on"] {
        assert!(fields[field].is_string(), "{field}");
    }
    assert_eq!(unknown_kind.status(), 404);
    assert_eq!(unknown_business.status(), 404);
    assert_eq!(by_customer.status(), 403);
    assert_eq!(by_partner.status(), 403);
    for view in [
        app.get_json("/business/health-checks", &t.globex).await,
        app.get_json("/business/health-checks", &t.partner).await,
        app.get_json(&format!("/business/health-checks?business_id={}", t.globex_id), &admin).await,
    ] {
        let items = view["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{view}");
        let zscaler = items.iter().find(|c| c["kind"] == "zscaler").unwrap();
        assert_eq!((zscaler["score"].clone(), zscaler["status"].clone()), (json!(60), json!("critical")));
        let cm360 = items.iter().find(|c| c["kind"] == "cm360").unwrap();
        assert_eq!(cm360["findings"], "SSL inspection off for 30% of traffic.");
        assert_eq!(cm360["checked_on"], "2026-03-02");
    }
    assert_eq!(app.get("/business/health-checks", Some(&admin)).await.status(), 400);
    // Initech has none, even when it names Globex.
    let initech = app.get_json(&format!("/business/health-checks?business_id={}", t.globex_id), &t.initech).await;
    assert!(initech["items"].as_array().unwrap().is_empty());
}
