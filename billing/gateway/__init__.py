"""Card and bank-transfer payments through a payment gateway (Stripe).

Billing code talks to :class:`billing.gateway.port.PaymentGateway` in integer
pence, GBP, keyed by our invoice number; only ``stripe_adapter`` knows Stripe.
"""
