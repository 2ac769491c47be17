/**
 * The stories of issue 8, through the console only (and the API's own pages that emails
 * link to), in order: the people of one story are the people of the next.
 */
import { type Actor, expect, test } from './fixtures';
import { ADMIN_EMAIL, ADMIN_PASSWORD, linkIn, PASSWORD, waitForEmail } from './stack';
import { addToAuthenticator, approve, codeOf, fillSignUp, logIn, menu, pendingCount, type Person, setPasswordAndLogIn } from './steps';

test.describe.configure({ mode: 'serial' });

// Every run starts its own stack (global-setup.ts), so the seeds' names are free.
const customer: Person = { email: 'hank@globex-corp.com', business: 'Globex', first: 'Hank', last: 'Scorpio' };
const partner: Person = { email: 'pat@pat-resellers.com', business: 'Pat Resellers', first: 'Pat', last: 'Reseller' };

async function adminOnApprovals(actor: (who: string) => Promise<Actor>): Promise<Actor> {
  const admin = await actor('admin');
  await logIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD, 'Pending Approvals');
  return admin;
}

test('Story 1: a customer signs up, the admin sees the badge and approves, the customer sets a password and lands on Business Profile', async ({ actor }) => {
  const admin = await adminOnApprovals(actor);
  const before = await pendingCount(admin);

  // The customer finds Sign Up from Login and sends the Create Account Request.
  const hank = await actor('customer');
  await hank.show('Login', { open: () => hank.page.goto('/login'), heading: 'Login' });
  await hank.show('Sign Up', { open: () => hank.page.getByRole('link', { name: 'Sign Up' }).click(), heading: 'Create Account Request', serverPage: true });
  await fillSignUp(hank, customer, 'https://globex.example');
  await hank.show('Request received', { heading: 'Thank you for signing up', serverPage: true });
  await expect(hank.page.getByText('will be approved by an admin')).toBeVisible();

  // The admin's badge counts it (after a reload: the session comes back from its cookie).
  await admin.show('Pending Approvals', { open: () => admin.page.reload(), heading: 'Pending Approvals' });
  expect(await pendingCount(admin)).toBe(before + 1);
  await admin.page.getByRole('link', { name: /^Pending Approvals \d+$/ }).click();
  const row = admin.page.getByRole('row', { name: new RegExp(customer.business) });
  await expect(row).toContainText(`${customer.first} ${customer.last}`);
  await expect(row).toContainText(customer.email);
  await expect(row).toContainText('Customer');
  await approve(admin, customer.business);
  expect(await pendingCount(admin)).toBe(before);

  // The customer sets a password from the email and lands on Business Profile.
  await setPasswordAndLogIn(hank, customer, 'Business Profile');
  await expect(hank.page.getByRole('region', { name: 'Company' }).getByLabel('Business name')).toHaveValue(customer.business);
});

test('Story 2: the customer invites a partner, who signs up, is approved, works on the customer; both see the products; a request and a quote', async ({ actor }) => {
  // The customer invites its partner from My Partner.
  const hank = await actor('customer');
  await logIn(hank, customer.email, PASSWORD, 'Business Profile');
  const myPartner = hank.page.getByRole('region', { name: 'My Partner' });
  await myPartner.getByLabel('Business name').fill(partner.business);
  await myPartner.getByLabel('Email').fill(partner.email);
  await myPartner.getByLabel('Partner type').selectOption({ label: 'Reseller' });
  await myPartner.getByRole('button', { name: 'Invite' }).click();
  await expect(myPartner.getByRole('status')).toContainText(`Invitation sent to ${partner.email}`);
  const invitation = myPartner.getByRole('row', { name: new RegExp(partner.business) });
  await expect(invitation).toContainText('Pending');
  await expect(invitation.getByRole('button', { name: 'Resend' })).toBeVisible();
  await expect(invitation.getByRole('button', { name: 'Revoke' })).toBeVisible();

  // The partner signs up from the email ("Sign Up Now").
  const pat = await actor('partner');
  const mail = await waitForEmail(partner.email, 'invites you');
  await pat.show('Sign Up Now', { open: () => pat.page.goto(linkIn(mail, '/signup?invitation=')), heading: 'Sign Up Now', serverPage: true });
  await expect(pat.page.getByLabel('Business Email')).toHaveValue(partner.email);
  await fillSignUp(pat, partner);
  await pat.show('Request received', { heading: 'Thank you for signing up', serverPage: true });

  // The admin approves it: a Reseller partner, invited by the customer.
  const admin = await adminOnApprovals(actor);
  const row = admin.page.getByRole('row', { name: new RegExp(partner.business) });
  await expect(row).toContainText(`Reseller partner, invited by ${customer.business}`);
  await approve(admin, partner.business);

  // The partner logs in, finds the customer in My Customers and makes it active.
  await setPasswordAndLogIn(pat, partner, 'My Customers');
  const customerRow = pat.page.getByRole('row', { name: new RegExp(customer.business) });
  await customerRow.getByRole('radio', { name: 'Make Business Active' }).check();
  await expect(pat.page.getByRole('banner')).toContainText(`Active business: ${customer.business}`);
  await expect(customerRow.getByRole('radio', { name: 'Make Business Active' })).toBeChecked();

  // Licensing Expert note on one product, priority 2 on another, No Suggestion on a third.
  await menu(pat, 'Products');
  const note = '500 seats; Transformation adds inline DLP.';
  const zia = pat.page.getByRole('article', { name: 'ZIA Business' });
  await zia.getByLabel('Licensing Expert note').fill(note);
  await zia.getByRole('button', { name: 'Save note' }).click();
  await expect(pat.page.getByRole('status').filter({ hasText: 'Licensing Expert note saved for ZIA Business' })).toBeVisible();
  await pat.page.getByRole('article', { name: 'ZPA Business' }).getByLabel('Priority').selectOption({ label: '2' });
  await expect(pat.page.getByRole('status').filter({ hasText: 'Priority 2 set for ZPA Business' })).toBeVisible();
  const upgrades = pat.page.getByRole('region', { name: 'Potential Upgrades' });
  await expect(upgrades.getByRole('article', { name: 'ZPA Business' })).toBeVisible();
  const dlp = 'Data Loss Prevention (DLP) Standard';
  await pat.page.getByRole('article', { name: dlp }).getByLabel('Priority').selectOption({ label: 'No Suggestion' });
  await expect(pat.page.getByRole('status').filter({ hasText: `No Suggestion for ${dlp}` })).toBeVisible();
  await pat.show('Products (with suggestions)', { heading: 'Products' });

  // The customer sees both, and requests a product.
  await menu(hank, 'Products');
  const seen = hank.page.getByRole('region', { name: 'Potential Upgrades' }).getByRole('article', { name: 'ZPA Business' });
  await expect(seen).toContainText('Priority: 2');
  const allProducts = hank.page.getByRole('region', { name: 'All Products' });
  await expect(allProducts.getByRole('article', { name: 'ZIA Business' })).toContainText(note);
  await expect(allProducts.getByRole('article', { name: dlp })).toContainText('No Suggestion');
  const zdx = allProducts.getByRole('article', { name: 'ZDX Advanced', exact: true });
  await zdx.getByRole('button', { name: 'Request' }).click();
  await expect(zdx.getByText('Requested')).toBeVisible();
  await menu(hank, 'Product Requests');
  await expect(hank.page.getByRole('row', { name: /ZDX Advanced/ })).toContainText('No quote yet');

  // The partner requests a quote for it on the Zscaler Products Request page.
  await menu(pat, 'Zscaler Products Request');
  const requested = pat.page.getByRole('row', { name: /ZDX Advanced/ });
  await requested.getByRole('button', { name: 'Request Quote' }).click();
  const dialog = pat.page.getByRole('dialog', { name: /Request Quote/ });
  await dialog.getByLabel('Message').fill('Please quote 500 seats for three years.');
  await pat.show('Request Quote dialog', { heading: 'Zscaler Products Request' });
  await dialog.getByRole('button', { name: 'Request Quote' }).click();
  await expect(pat.page.getByRole('status').filter({ hasText: 'Quote requested for ZDX Advanced' })).toBeVisible();
  await expect(requested).toContainText('Quote requested');
  await expect(pat.page.getByRole('row', { name: /ZPA Business/ })).toContainText('The customer has not requested it');

  // The customer sees the quote status.
  await hank.show('Product Requests', { open: () => hank.page.reload(), heading: 'Product Requests' });
  await expect(hank.page.getByRole('row', { name: /ZDX Advanced/ })).toContainText('Quote requested');
});

test('Story 3: the partner creates a Locked customer, activates it, logs in as the customer in a new tab, sees the banner and ends it', async ({ actor }) => {
  const pat = await actor('partner');
  await logIn(pat, partner.email, PASSWORD, 'Business Profile');
  await menu(pat, 'My Customers');
  const initech = 'Initech';
  const bill = 'bill@initech-corp.com';

  // Add New Customer, Locked.
  await pat.page.getByRole('button', { name: 'Add New Customer' }).click();
  const add = pat.page.getByRole('dialog', { name: 'Add New Customer' });
  await add.getByLabel('Business name').fill(initech);
  await add.getByLabel('First name').fill('Bill');
  await add.getByLabel('Last name').fill('Lumbergh');
  await add.getByLabel('Username').fill(bill);
  await add.getByLabel('Status').selectOption({ label: 'Locked' });
  await pat.show('Add New Customer', { heading: 'My Customers' });
  await add.getByRole('button', { name: 'OK' }).click();
  await expect(pat.page.getByRole('status').filter({ hasText: `${initech} was created, Locked` })).toBeVisible();

  // Edit: activate it.
  const row = pat.page.getByRole('row', { name: new RegExp(initech) });
  await expect(row).toContainText('Managed by you');
  await row.getByRole('button', { name: 'Edit' }).click();
  const edit = pat.page.getByRole('dialog', { name: `Edit ${initech}` });
  await expect(edit.getByLabel('Status')).toHaveValue('locked');
  await expect(edit.getByLabel('Username')).toHaveValue(bill);
  await pat.show('Edit customer', { heading: 'My Customers' });
  await edit.getByLabel('Status').selectOption({ label: 'Activated' });
  await edit.getByRole('button', { name: 'OK' }).click();
  await expect(pat.page.getByRole('status').filter({ hasText: `${initech} saved: Activated` })).toBeVisible();
  await pat.show('My Customers (a managed customer)', { heading: 'My Customers' });

  // Log in as customer: a new tab, with the banner on every page.
  const [tab] = await Promise.all([
    pat.page.context().waitForEvent('page'),
    row.getByRole('button', { name: 'Log in as customer' }).click(),
  ]);
  const acting = pat.tab(tab, 'partner acting as customer');
  await acting.show('Business Profile', { heading: 'Business Profile' });
  expect(tab.url()).not.toContain('token');
  const banner = tab.getByRole('region', { name: 'Acting as a customer' });
  await expect(banner).toContainText(`You are acting as ${initech}`);
  await expect(tab.getByRole('region', { name: 'Company' }).getByLabel('Business name')).toHaveValue(initech);
  await menu(acting, 'Products');
  await expect(banner).toContainText(`You are acting as ${initech}`);
  await menu(acting, 'Audit Trail');
  await expect(banner).toContainText(`You are acting as ${initech}`);
  // The partner's own tab is not acting as anyone.
  await expect(pat.page.getByRole('region', { name: 'Acting as a customer' })).toHaveCount(0);

  // End.
  await banner.getByRole('button', { name: 'End' }).click();
  await acting.show('Impersonation ended', { heading: 'My Customers' });
  await expect(tab.getByRole('status').filter({ hasText: `You are no longer acting as ${initech}` })).toBeVisible();
  await expect(tab.getByRole('region', { name: 'Acting as a customer' })).toHaveCount(0);
});

test('Story 4: the admin writes a health check; the partner and the customer see it and cannot edit it', async ({ actor }) => {
  const admin = await adminOnApprovals(actor);
  await menu(admin, 'Businesses');
  await admin.page.getByLabel('Business name').fill('glob');
  await admin.page.getByRole('button', { name: 'Search' }).click();
  await admin.show('Businesses (search)', { heading: 'Businesses' });
  await admin.show('Business details', {
    open: () => admin.page.getByRole('link', { name: customer.business }).click(),
    heading: customer.business,
  });
  await expect(admin.page.getByRole('region', { name: 'People' })).toContainText(customer.email);
  const cm360 = admin.page.getByRole('region', { name: 'CM360 Health Check' });
  await cm360.getByLabel('Score').fill('82');
  await cm360.getByLabel('Status').selectOption({ label: 'Needs attention' });
  await cm360.getByLabel('Date').fill('2026-03-02');
  await cm360.getByLabel('Findings').fill('SSL inspection is off for 30% of traffic.');
  await cm360.getByRole('button', { name: 'Save CM360 Health Check' }).click();
  await expect(cm360.getByRole('status')).toContainText('CM360 Health Check saved.');

  for (const [who, person, landing] of [
    ['partner', partner, 'Business Profile'],
    ['customer', customer, 'Business Profile'],
  ] as const) {
    const viewer = await actor(who);
    await logIn(viewer, person.email, PASSWORD, landing);
    await menu(viewer, 'Health Checks');
    const check = viewer.page.getByRole('region', { name: 'CM360 Health Check' });
    await expect(check).toContainText('82');
    await expect(check).toContainText('Needs attention');
    await expect(check).toContainText('SSL inspection is off for 30% of traffic.');
    await expect(viewer.page.getByRole('region', { name: 'Zscaler Health Check' })).toContainText('No Zscaler Health Check yet.');
    // Read only: nothing to type in, nothing to save.
    await expect(viewer.page.getByRole('main').getByRole('textbox')).toHaveCount(0);
    await expect(viewer.page.getByRole('main').getByRole('spinbutton')).toHaveCount(0);
    await expect(viewer.page.getByRole('main').getByRole('button', { name: /Save/ })).toHaveCount(0);
  }
});

test('Story 5: errors: a free-mail sign-up, a wrong password, an expired session', async ({ actor }) => {
  // A free-mail address is refused at its field.
  const visitor = await actor('visitor');
  await visitor.show('Sign Up', { open: () => visitor.page.goto('/signup'), heading: 'Create Account Request', serverPage: true });
  await fillSignUp(visitor, { email: 'sam.free@gmail.com', business: 'Freemail Ltd', first: 'Sam', last: 'Free' });
  await visitor.show('Sign Up (free mail)', { heading: 'Create Account Request', serverPage: true });
  await expect(
    visitor.page.getByText('Please use your business email address; free email providers such as gmail.com are not accepted.'),
  ).toBeVisible();

  // A wrong password: one error, and no session.
  await visitor.show('Login', { open: () => visitor.page.goto('/login'), heading: 'Login' });
  await visitor.page.getByLabel('Business email').fill(customer.email);
  await visitor.page.getByLabel('Password').fill('not the password at all');
  await visitor.page.getByRole('button', { name: 'Login' }).click();
  await expect(visitor.page.getByRole('alert')).toHaveText('The email address or password is incorrect.');
  await expect(visitor.page.getByRole('alert')).toHaveCount(1);
  await visitor.show('Login (wrong password)', { heading: 'Login' });

  // An expired session: the same person logs out in another browser, which ends every session.
  const here = await actor('customer');
  await logIn(here, customer.email, PASSWORD, 'Business Profile');
  const elsewhere = await actor('customer elsewhere');
  // Access tokens carry whole seconds: let this one be older than the logout.
  await here.page.waitForTimeout(1100);
  await logIn(elsewhere, customer.email, PASSWORD, 'Business Profile');
  await elsewhere.page.getByRole('button', { name: 'Logout' }).click();
  await expect(elsewhere.page.getByRole('status').filter({ hasText: 'You have logged out.' })).toBeVisible();
  await here.show('Login (session expired)', {
    open: async () => {
      const nav = here.page.getByRole('navigation', { name: 'Main menu' });
      await nav.getByRole('link', { name: 'Products' }).click();
    },
    heading: 'Login',
  });
  await expect(here.page.getByRole('status').filter({ hasText: 'Your session has expired. Please log in again.' })).toBeVisible();
});

test('Every other screen: Reset Password, the Catalog (add, rename, retire), the Audit Log and a customer’s Audit Trail', async ({ actor }) => {
  // Reset Password, from Login.
  const visitor = await actor('visitor');
  await visitor.show('Login', { open: () => visitor.page.goto('/login'), heading: 'Login' });
  await visitor.show('Reset Password', {
    open: () => visitor.page.getByRole('link', { name: 'Don’t remember your password?' }).click(),
    heading: 'Reset Password',
  });
  await visitor.page.getByLabel('Business email').fill(customer.email);
  await visitor.page.getByRole('button', { name: 'Send Mail' }).click();
  await expect(visitor.page.getByRole('status')).toHaveText(
    'If an account exists for this address, we have sent a link to reset its password.',
  );
  await visitor.show('Reset Password (sent)', { heading: 'Reset Password' });
  await waitForEmail(customer.email, 'Reset your Partner Portal password');

  // The admin's catalog: add a product, rename it, retire it.
  const admin = await adminOnApprovals(actor);
  await menu(admin, 'Catalog');
  await admin.page.getByRole('button', { name: 'Add product' }).click();
  const add = admin.page.getByRole('dialog', { name: 'Add product' });
  await add.getByLabel('Product ID').fill('Not A Slug');
  await add.getByRole('button', { name: 'Save' }).click();
  await expect(add.getByText('Use lowercase letters, digits and dashes, such as zia-business.')).toBeVisible();
  await add.getByLabel('Product ID').fill('zz-partner-analytics');
  await add.getByLabel('Name').fill('Partner Analytics');
  await add.getByLabel('Section').fill('Services and Support');
  await admin.show('Add product', { heading: 'Catalog' });
  await add.getByRole('button', { name: 'Save' }).click();
  await expect(admin.page.getByRole('status').filter({ hasText: 'Partner Analytics was added to the catalog.' })).toBeVisible();
  // The catalog is listed by id, 50 products a page: the 44th is on the first.
  const row = admin.page.getByRole('row', { name: /zz-partner-analytics/ });
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Rename' }).click();
  const rename = admin.page.getByRole('dialog', { name: 'Rename Partner Analytics' });
  await rename.getByLabel('Name').fill('Partner Analytics Plus');
  await rename.getByRole('button', { name: 'Save' }).click();
  await expect(row).toContainText('Partner Analytics Plus');
  await row.getByRole('button', { name: 'Retire' }).click();
  await expect(row).toContainText('Retired');
  await expect(row.getByRole('button', { name: 'Bring back' })).toBeVisible();
  await admin.show('Catalog (retired product)', { heading: 'Catalog' });

  // The Audit Log shows what the stories did.
  await menu(admin, 'Audit Log');
  await expect(admin.page.getByRole('row', { name: /Logged in as the customer/ }).first()).toBeVisible();

  // A customer's own Audit Trail.
  const hank = await actor('customer');
  await logIn(hank, customer.email, PASSWORD, 'Business Profile');
  await menu(hank, 'Audit Trail');
  await expect(hank.page.getByRole('row', { name: /Sign-up approved/ })).toBeVisible();
});

test('Two-step sign-in: the admin’s later login asks for the code, a wrong one is refused; a customer turns it on from Account', async ({ actor }) => {
  // The admin enrolled at its first login (Story 1); now Login asks for the code.
  const admin = await actor('admin');
  await admin.show('Login', { open: () => admin.page.goto('/login'), heading: 'Login' });
  await admin.page.getByLabel('Business email').fill(ADMIN_EMAIL);
  await admin.page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await admin.show('Authentication Code', {
    open: () => admin.page.getByRole('button', { name: 'Login' }).click(),
    heading: 'Authentication Code',
  });
  const right = await codeOf(ADMIN_EMAIL);
  await admin.page.getByLabel('Authentication code').fill(right === '000000' ? '111111' : '000000');
  await admin.page.getByRole('button', { name: 'Verify' }).click();
  await expect(admin.page.getByRole('alert')).toHaveText('The authentication code is incorrect.');
  await admin.show('Authentication Code (wrong code)', { heading: 'Authentication Code' });
  await admin.page.getByLabel('Authentication code').fill(await codeOf(ADMIN_EMAIL));
  await admin.show('Pending Approvals', {
    open: () => admin.page.getByRole('button', { name: 'Verify' }).click(),
    heading: 'Pending Approvals',
  });

  // The customer turns two-step sign-in on in Account's Security section.
  const hank = await actor('customer');
  await logIn(hank, customer.email, PASSWORD, 'Business Profile');
  await menu(hank, 'Account');
  const security = hank.page.getByRole('region', { name: 'Security' });
  await expect(security).toContainText('Two-step sign-in: Off');
  await security.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(security.getByRole('img', { name: /QR code/ })).toBeVisible();
  await hank.show('Account (two-step sign-in setup)', { heading: 'Account' });
  const key = (await security.getByText(/^Key:/).textContent())?.replace(/^Key:/, '') ?? '';
  addToAuthenticator(customer.email, key);
  await security.getByLabel('Authentication code').fill(await codeOf(customer.email));
  await security.getByRole('button', { name: 'Turn on' }).click();
  await expect(security).toContainText('Two-step sign-in: On');
  await hank.show('Account (two-step sign-in on)', { heading: 'Account' });

  // Its next login asks for the code.
  const later = await actor('customer later');
  await logIn(later, customer.email, PASSWORD, 'Business Profile');
});
