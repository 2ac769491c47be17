/**
 * The console's screens and who may open them.
 *
 * Screens are in the first bundle rather than loaded on first use: a screen's data and the
 * frame's (the admins' Pending Approvals count) are then asked for in the same render, in
 * parallel, and no screen waits on more than two API calls in sequence (the session's
 * refresh after a reload, then its data). The whole console stays far under the initial
 * JavaScript budget (scripts/check-build.mjs prints it).
 */
import { BrowserRouter, Route, Routes } from 'react-router';

import AccountPage from '../account/AccountPage';
import ApprovalsPage from '../approvals/ApprovalsPage';
import AuditPage from '../audit/AuditPage';
import ForgotPasswordPage from '../auth/ForgotPasswordPage';
import LoginPage from '../auth/LoginPage';
import BusinessDetailsPage from '../businesses/BusinessDetailsPage';
import BusinessesPage from '../businesses/BusinessesPage';
import BusinessProfilePage from '../businesses/BusinessProfilePage';
import CatalogPage from '../catalog/CatalogPage';
import CustomersPage from '../customers/CustomersPage';
import HealthChecksPage from '../health-checks/HealthChecksPage';
import ProductRequestsPage from '../products/ProductRequestsPage';
import ProductsPage from '../products/ProductsPage';
import { Home, NeedsBusiness, NotFound, Only, SignedIn } from './SignedIn';

export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route element={<SignedIn />}>
          <Route index element={<Home />} />
          <Route path="approvals" element={<Only roles={['admin']}><ApprovalsPage /></Only>} />
          <Route path="businesses" element={<Only roles={['admin']}><BusinessesPage /></Only>} />
          <Route path="businesses/:businessId" element={<Only roles={['admin']}><BusinessDetailsPage /></Only>} />
          <Route path="product-catalog" element={<Only roles={['admin']}><CatalogPage /></Only>} />
          <Route path="audit-log" element={<Only roles={['admin']}><AuditPage scope="all" /></Only>} />
          <Route path="customers" element={<Only roles={['partner']}><CustomersPage /></Only>} />
          <Route
            path="profile"
            element={
              <Only roles={['customer', 'partner']}>
                <NeedsBusiness title="Business Profile">
                  <BusinessProfilePage />
                </NeedsBusiness>
              </Only>
            }
          />
          <Route
            path="products"
            element={
              <Only roles={['customer', 'partner']}>
                <NeedsBusiness title="Products">
                  <ProductsPage />
                </NeedsBusiness>
              </Only>
            }
          />
          <Route
            path="product-requests"
            element={
              <Only roles={['customer', 'partner']}>
                <NeedsBusiness title="Product Requests">
                  <ProductRequestsPage />
                </NeedsBusiness>
              </Only>
            }
          />
          <Route
            path="health-checks"
            element={
              <Only roles={['customer', 'partner']}>
                <NeedsBusiness title="Health Checks">
                  <HealthChecksPage />
                </NeedsBusiness>
              </Only>
            }
          />
          <Route path="audit-trail" element={<Only roles={['customer', 'partner']}><AuditPage scope="own" /></Only>} />
          <Route path="account" element={<Only roles={['customer', 'partner']}><AccountPage /></Only>} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
