"""crm-integrator: connects Logo CRM to Logo Tiger/Go (LogoObjectService) and Logo Netsis (NetOpenX REST)."""

__version__ = "0.1.0"
