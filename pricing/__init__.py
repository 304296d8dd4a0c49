"""Pure rules over values: money, calendars, price book, fees, interest. No I/O, no clock."""
